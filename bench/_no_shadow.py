"""Imported first by every bench script: `bench/scoring.py` shares its name with the package it
times, and a script's own folder comes first on sys.path, so leave that folder out."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
