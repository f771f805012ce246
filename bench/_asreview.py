"""ASReview LAB's own simulation (ELAS u4, its default model) as bench/screening.py's reference.

Each seed runs ``asreview simulate`` in a subprocess from the bench's starting pair. asreview
lives in ``.venv-bench`` (``make bench-setup``) and is never imported here: its project file is
a zip holding ``results.db`` (SQLite), whose ``results`` table lists the records in screening
order (the starting pair first) and whose ``record`` table maps them to rows of the CSV.
"""

import csv
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV_ASREVIEW = ROOT / ".venv-bench" / "bin" / "asreview"
# One simulation per core of a two-core machine, each kept to one thread by ONE_THREAD.
PARALLEL = 2
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class AsreviewFailed(RuntimeError):
    """asreview could not be found or run, or its results do not match the CSV."""


def find(given=None):
    """Return the asreview executable: `given`, else .venv-bench's, else the one on PATH."""
    if given is not None:
        if not (given.is_file() and os.access(given, os.X_OK)):
            raise AsreviewFailed(f"--asreview {given} is not an executable file")
        return given
    if os.access(BENCH_VENV_ASREVIEW, os.X_OK):
        return BENCH_VENV_ASREVIEW
    on_path = shutil.which("asreview")
    if on_path is None:
        raise AsreviewFailed(
            "asreview not found for the reference: run `make bench-setup` (it installs asreview "
            "into .venv-bench), pass --asreview PATH, or pass --no-reference"
        )
    return Path(on_path)


def version(executable):
    """Return asreview's version, e.g. '3.0.8'."""
    with tempfile.TemporaryDirectory() as workdir:
        done = _run([executable, "--version"], workdir)
    return done.stdout.split()[-1]


def orders(executable, path, truth, starts, batch):
    """Yield (screening order as row indices of the bench's records, seconds) per starting
    pair, in the order of `starts`, running at most two simulations at a time. Records asreview
    left unscreened (after the last relevant one) come last, in row order."""
    with tempfile.TemporaryDirectory() as workdir:
        workdir = Path(workdir)
        # asreview runs in the temporary directory, so a relative path would not resolve.
        dataset = _bench_rows(Path(path).resolve(), truth, workdir)
        with ThreadPoolExecutor(PARALLEL) as pool:
            runs = [
                pool.submit(_simulate, executable, dataset, truth, start, seed, batch, workdir)
                for seed, start in enumerate(starts)
            ]
            try:
                for run in runs:
                    yield run.result()
            finally:
                for run in runs:
                    run.cancel()


def _bench_rows(path, truth, workdir):
    """Return a CSV whose rows are the bench's records: `path` when every row has a label (the
    bench dropped none), else a copy of the labelled rows only, so row numbers agree."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    column = "included" if "included" in reader.fieldnames else "label_included"
    kept = [row for row in rows if (row[column] or "").strip()]
    if len(kept) != truth.size:
        raise AsreviewFailed(f"{path}: {len(kept)} labelled rows, but the bench has {truth.size}")
    if len(kept) == len(rows):
        return path
    copy = workdir / path.name
    with copy.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, reader.fieldnames)
        writer.writeheader()
        writer.writerows(kept)
    return copy


def _simulate(executable, dataset, truth, start, seed, batch, workdir):
    clock = time.perf_counter()
    project = workdir / f"seed{seed}.asreview"
    command = [executable, "simulate", dataset, "--ai", "elas_u4", "--seed", seed]
    command += ["--prior-idx", *start, "--n-query", batch, "-o", project]
    _run(command, workdir)
    screened, labels = _screened(project, workdir / f"seed{seed}")
    if list(screened[:2]) != list(start):
        raise AsreviewFailed(f"seed {seed}: asreview started from {screened[:2]}, not {start}")
    if not np.array_equal(labels, truth[screened]):
        raise AsreviewFailed(f"seed {seed}: asreview's labels disagree with the CSV's rows")
    rest = np.setdiff1d(np.arange(truth.size), screened)
    return np.concatenate([screened, rest]), time.perf_counter() - clock


def _screened(project, unpacked):
    """Return (rows of the CSV in screening order, their labels) from a project file."""
    with zipfile.ZipFile(project) as archive:
        database = archive.extract("results.db", unpacked)
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        pairs = connection.execute(
            "SELECT record.dataset_row, results.label FROM results"
            " JOIN record ON record.record_id = results.record_id ORDER BY results.rowid"
        ).fetchall()
    finally:
        connection.close()
    rows, labels = np.array(pairs, dtype=int).reshape(-1, 2).T
    return rows, labels


def _run(command, workdir):
    """Run asreview quietly in `workdir` (it leaves a cache file in its working directory);
    on failure raise with the tail of what it wrote to stderr."""
    command = [str(part) for part in command]
    environment = os.environ | ONE_THREAD
    done = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:]) or "(nothing on stderr)"
        shown = " ".join(command)
        status = done.returncode
        raise AsreviewFailed(f"`{shown}` failed (exit status {status}); its stderr ends:\n{tail}")
    return done
