"""The leads' pipeline: ranked ideas, decisions, portfolio, dashboard, workstreams, exports.

Pages read score snapshots (`models.ScoreSnapshot`); only `snapshots.py` computes scores.
"""
