"""Locked dependencies: every bake installs exactly what its lock files pin, by hash.

The lock files are committed in the template (`make lock` writes them with scripts/lock.py),
never resolved at bake time, so they must hold for every answer: each declared requirement
pinned to a version that satisfies it, every pin with its hashes, the PostgreSQL driver in
production's lock only when chosen. The slow test installs a bake from its lock into a new
virtual environment and runs its unit tests there.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from conftest import TEMPLATE, Bake, BakedProject, baked_env
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock: str) -> dict[str, str]:
    """{canonical name: version} for every pin in a lock file."""
    found = {}
    for line in lock.splitlines():
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match[1])] = match[2]
    return found


def entries_without_hash(lock: str) -> list[str]:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock)
    return [block.split()[0] for block in blocks[1:] if "--hash=sha256:" not in block]


def unmet(requirements: list[str], locked: dict[str, str]) -> list[str]:
    """Requirements (whose markers apply here) the lock does not pin to a fitting version."""
    environment = default_environment()
    missing = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{text} (locked: {version})")
    return missing


def declared(project: BakedProject) -> tuple[list[str], list[str]]:
    """(production requirements, development requirements) of the bake and its emulator."""
    app = tomllib.loads(project.read("pyproject.toml"))["project"]
    emulator = tomllib.loads(project.read("sandbox/pyproject.toml"))["project"]
    extras = [req for extra in app["optional-dependencies"].values() for req in extra]
    return app["dependencies"], [*app["dependencies"], *extras, *emulator["dependencies"]]


@pytest.fixture(params=["sqlite", "postgresql"])
def project(request: pytest.FixtureRequest, bake: Bake) -> BakedProject:
    return bake(database=request.param)


def test_production_lock_pins_every_dependency(project: BakedProject) -> None:
    production, _ = declared(project)
    assert not unmet(production, pins(project.read("requirements.txt")))


def test_development_lock_pins_every_dependency_and_extra(project: BakedProject) -> None:
    _, development = declared(project)
    assert not unmet(development, pins(project.read("requirements-dev.txt")))


def test_postgresql_driver_is_in_production_only_when_chosen(project: BakedProject) -> None:
    production = pins(project.read("requirements.txt"))
    chosen = project.answers["database"] == "postgresql"
    assert ("psycopg" in production) == chosen
    assert ("psycopg-binary" in production) == chosen
    # Every bake tests on PostgreSQL, so development always has the driver.
    assert "psycopg" in pins(project.read("requirements-dev.txt"))


def test_every_pin_carries_its_hashes(project: BakedProject) -> None:
    for lock in ("requirements.txt", "requirements-dev.txt"):
        text = project.read(lock)
        assert pins(text), f"{lock} pins nothing"
        assert not entries_without_hash(text), f"{lock}: pins without a hash"


def test_templates_own_lock_holds_its_tools_and_the_bakes_versions(bake: Bake) -> None:
    """The shared test environment runs every bake with the versions the bake locks."""
    template_lock = pins((TEMPLATE / "requirements-dev.lock").read_text(encoding="utf-8"))
    tools = [
        line.split("#")[0].strip()
        for line in (TEMPLATE / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert not unmet([tool for tool in tools if tool], template_lock)
    baked = pins(bake().read("requirements-dev.txt"))
    differ = {name: (version, template_lock.get(name)) for name, version in baked.items()}
    assert {name: pair for name, pair in differ.items() if pair[0] != pair[1]} == {}


@pytest.mark.slow
def test_a_bake_installs_from_its_lock_and_runs(bake: Bake, tmp_path: Path) -> None:
    """A new virtual environment, the lock with --require-hashes, the app and the emulator."""
    project = bake(database="postgresql")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    started = time.monotonic()
    locked = project.run([*pip, "--require-hashes", "-r", "requirements-dev.txt"], timeout=900)
    assert locked.returncode == 0, locked.stdout + locked.stderr
    own = project.run([*pip, "--no-deps", "-e", ".", "-e", "./sandbox"], timeout=300)
    assert own.returncode == 0, own.stdout + own.stderr
    print(f"install from the lock: {time.monotonic() - started:.0f} s")
    env = baked_env(VIRTUAL_ENV=str(venv), PATH=f"{venv / 'bin'}:/usr/bin:/bin")
    check = project.run([str(venv / "bin" / "pip"), "check"], env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = project.run(
        [str(venv / "bin" / "pytest"), "-q", "-p", "no:cacheprovider", "tests/unit"], env=env
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
