"""What the README and pyproject promise about the installation holds for this interpreter."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _minimum(spec: str) -> tuple[int, int]:
    major, minor = re.fullmatch(r">=(\d+)\.(\d+)", spec.strip()).groups()
    return int(major), int(minor)


def test_the_readme_claims_the_python_that_pyproject_requires_and_ci_runs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimum = _minimum(project["requires-python"])
    claim = re.search(r"Python (\d+)\.(\d+) or newer", (ROOT / "README.md").read_text())
    assert claim, "the README states the Python it needs"
    assert (int(claim[1]), int(claim[2])) == minimum
    assert sys.version_info[:2] >= minimum  # this run (CI's) is a Python the claim covers


def test_every_module_imports_on_this_python():
    import importlib
    import pkgutil

    import engrain

    names = [m.name for m in pkgutil.walk_packages(engrain.__path__, "engrain.")]
    assert len(names) > 50
    for name in names:
        if name.endswith("__main__"):
            continue
        importlib.import_module(name)
