"""The generic package names resolve to this repository, and the console script exists."""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["attendly", "db", "ingest", "pages", "callbacks"])
def test_package_resolves_inside_the_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    assert Path(module.__file__).resolve().is_relative_to(ROOT), module.__file__


def test_pyproject_lists_every_package_explicitly() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        str(init.parent.relative_to(ROOT)).replace("/", ".")
        for init in ROOT.glob("**/__init__.py")
        if not init.is_relative_to(ROOT / "tests")
        and ".venv" not in init.parts[len(ROOT.parts) :][0]
        and not init.relative_to(ROOT).parts[0].startswith(".")
    }
    assert on_disk <= listed, sorted(on_disk - listed)


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "attendly"
    assert script.exists() or shutil.which("attendly"), "pip install -e '.[dev]' installs it"
