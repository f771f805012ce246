"""Scoring: prioritise ideas and scanned literature against the programme's enablers.

A pure library (numpy / scikit-learn): plain data in, plain data out; it imports neither Flask
nor SQLAlchemy. Its public API is listed in `__all__` as it is built.
"""

from scoring.assignment import AssignmentResult, assign_reviewers

__all__ = ["AssignmentResult", "assign_reviewers"]
