"""The leads' pipeline: stored score snapshots (and, later, the ranked pipeline pages)."""
