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


DEMO_PACKAGE = "portal.demo"
DEMO_IMPORTERS = {"portal/cli.py"}  # registers `flask demo` and `flask demo-feeds serve`


def _full_imports(path: Path):
    """Yield (line, dotted name) for each module the file may import: relative imports
    resolved, `from package import name` read as package and package.name, and the constant
    first argument of `importlib.import_module(...)` or `__import__(...)`."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]  # also right for __init__.py
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package[: len(package) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_no_part_of_the_portal_imports_the_demo():
    demo = ROOT / "portal" / "demo"
    assert (demo / "__init__.py").is_file()
    files = [
        path
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if not path.is_relative_to(demo) and path.relative_to(ROOT).as_posix() not in DEMO_IMPORTERS
    ]

    def demo_imports(path):
        return [
            f"{path.relative_to(ROOT)}:{line} imports {name}"
            for line, name in _full_imports(path)
            if name == DEMO_PACKAGE or name.startswith(DEMO_PACKAGE + ".")
        ]

    assert all(demo_imports(ROOT / name) for name in DEMO_IMPORTERS)  # the walk sees imports
    assert [offence for path in files for offence in demo_imports(path)] == []
