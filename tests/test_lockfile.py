"""requirements.lock pins, with hashes, every dependency pyproject.toml asks for (`make lock`);
requirements-bench.lock pins the bench extra's asreview the same way (`make lock-bench`)."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)", re.MULTILINE)


def pinned(lock: str = "requirements.lock") -> dict[str, str]:
    text = (ROOT / lock).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pins = {}
    for block in blocks:
        match = PIN.match(block)
        if match:
            assert "--hash=sha256:" in block, f"{match.group(1)} is pinned without a hash"
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["test"]
    names += project["build-system"]["requires"]
    return [Requirement(name) for name in names]


def test_the_lock_pins_every_dependency_with_hashes_and_in_range():
    pins = pinned()
    problems = []
    for requirement in wanted():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name} is not in requirements.lock: run `make lock`")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement.name}=={version} is outside {requirement.specifier}")
    assert problems == []


def test_the_lock_names_no_local_index():
    text = (ROOT / "requirements.lock").read_text()
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text


def test_the_bench_lock_pins_asreview_3_with_hashes_and_names_no_local_index():
    text = (ROOT / "requirements-bench.lock").read_text()
    assert "--index-url" not in text and "--find-links" not in text and "file://" not in text
    assert pinned("requirements-bench.lock").get("asreview", "").startswith("3.")
