"""The scoring and scanners libraries import neither Flask, SQLAlchemy nor portal."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("scoring", "scanners")
FORBIDDEN = {
    "flask",
    "flask_sqlalchemy",
    "flask_migrate",
    "flask_login",
    "flask_wtf",
    "sqlalchemy",
    "alembic",
    "portal",
}


def test_importing_the_libraries_loads_no_web_or_database_code():
    script = f"import json, sys, {', '.join(LIBRARIES)}; print(json.dumps(sorted(sys.modules)))"
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    loaded = {name.split(".")[0] for name in json.loads(completed.stdout)}
    assert set(LIBRARIES) <= loaded
    assert loaded & FORBIDDEN == set()


def imported_modules(path: Path):
    """Yield (line, top-level module) for each absolute import in the file."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


@pytest.mark.parametrize("library", LIBRARIES)
def test_no_library_source_imports_web_or_database_code(library):
    files = sorted((ROOT / library).rglob("*.py"))
    assert files, f"no Python files under {library}/"
    offences = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in files
        for line, module in imported_modules(path)
        if module in FORBIDDEN
    ]
    assert offences == []
