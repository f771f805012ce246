"""Layering: the libraries load no web or database code; the portal's parts depend one way."""

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


# The portal's parts depend one way (CONVENTIONS.md, "Dependencies between parts").

PARTS = ("ideas", "reviews", "pipeline", "horizon", "search", "admin", "pages", "api")
# A part's models (and the lifecycle its models are built on) may be read by every part.
MODEL_MODULES = ("models", "lifecycle")
ALLOWED = {
    "reviews": {"ideas"},
    "pipeline": {"ideas", "reviews"},
    "horizon": {"ideas"},
    "search": {"ideas", "horizon"},
    "admin": set(PARTS) - {"admin", "api"},  # admin and pages read every part
    "pages": set(PARTS) - {"pages", "api"},
    "api": {"ideas", "reviews", "pipeline", "horizon"},  # the read API, above what it reads
}
# Core modules that may reach into the parts: the factory registering blueprints, the CLI
# and the registry that collects every model for the metadata.
CORE_ENTRY_POINTS = {"portal", "portal.cli", "portal.models"}
# Imports inside functions that defer something heavy (never one that dodges a cycle): the
# factory and the CLI load the parts and their commands only when an app is made or run.
DEFERRED_IN = CORE_ENTRY_POINTS


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str | None:
    """'core', a part's name, 'models' (a part's models), 'demo', or None (outside portal)."""
    names = module.split(".")
    if names[0] != "portal":
        return None
    if len(names) > 1 and names[1] == "demo":
        return "demo"
    if len(names) > 2 and names[1] in PARTS and names[2] in MODEL_MODULES:
        return "models"
    if len(names) > 1 and names[1] in PARTS:
        return names[1]
    return "core"  # top-level modules, the policy, and auth (which counts as core)


def _portal_imports():
    """Yield (module, imported module, line, inside a function) for imports within portal."""
    for path in sorted((ROOT / "portal").rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        inner = {
            id(node)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = module.split(".")
                    package = package if path.name == "__init__.py" else package[:-1]
                    package = package[: len(package) - node.level + 1]
                    base = ".".join([*package, *([node.module] if node.module else [])])
                submodules = [f"{base}.{alias.name}" for alias in node.names]
                known = [name for name in submodules if _is_module(name)]
                targets = known or [base]
            else:
                continue
            for target in targets:
                if target.startswith("portal"):
                    yield module, target, node.lineno, id(node) in inner


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _offence(module: str, target: str) -> str | None:
    """Why `module` may not import `target`, or None."""
    source, layer = _layer(module), _layer(target)
    if source == layer or source == "demo" or layer == "core":
        return None
    if layer == "demo":
        return None if module in CORE_ENTRY_POINTS else "imports the demo"
    if source == "models":
        return None if layer == "models" else "a model imports above the models"
    if layer == "models":
        return None
    if source == "core":
        return None if module in CORE_ENTRY_POINTS else f"core imports the {layer} part"
    return None if layer in ALLOWED.get(source, set()) else f"{source} imports {layer}"


def test_portal_parts_depend_one_way():
    found = {
        (module, target, why)
        for module, target, _line, _inner in _portal_imports()
        if (why := _offence(module, target))
    }
    assert sorted(found) == []


def test_no_import_inside_a_function_dodges_a_cycle():
    found = {
        (module, target)
        for module, target, _line, inner in _portal_imports()
        if inner and _layer(module) != "demo" and module not in DEFERRED_IN
    }
    assert sorted(found) == []


def test_the_parts_form_no_cycle():
    graph: dict[str, set[str]] = {}
    for module, target, _line, _inner in _portal_imports():
        source, layer = _layer(module), _layer(target)
        if source in PARTS and layer in PARTS and source != layer:
            graph.setdefault(source, set()).add(layer)
    cycles = [(a, b) for a, targets in graph.items() for b in targets if a in _reach(graph, b)]
    assert cycles == []


def _reach(graph, start) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen
