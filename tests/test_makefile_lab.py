"""`make lab`: --allow-root for root only (JupyterLab refuses root without it), and LAB_ARGS passed on last.

`make -n` prints the commands without running them; a fake `id` first on PATH plays root or a normal user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def lab_command(tmp_path: Path, uid: int, *arguments: str) -> str:
    """The `jupyter lab` line `make lab` would run for a user whose `id -u` is `uid`."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
    (fake / "id").chmod(0o755)
    # The venv's marker is made fresh, so that `install` has nothing to do whatever the checkout's state.
    venv = tmp_path / "venv"
    venv.mkdir(exist_ok=True)
    (venv / ".installed").touch()
    done = subprocess.run(["make", "-n", "lab", f"VENV={venv}", *arguments], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"},
                          check=True)
    return next(line for line in done.stdout.splitlines() if " lab notebooks" in line)


@pytest.mark.parametrize(("uid", "allowed"), [(0, True), (1000, False)])
def test_allow_root_only_for_root(uid, allowed, tmp_path):
    assert ("--allow-root" in lab_command(tmp_path, uid).split()) is allowed


def test_lab_args_reach_jupyter_lab_after_the_courses_own_options(tmp_path):
    command = lab_command(tmp_path, 1000, "LAB_ARGS=--ip 0.0.0.0 --no-browser")
    assert command == (f"{tmp_path / 'venv'}/bin/jupyter lab notebooks --ServerApp.log_level=WARN "
                       "--LabApp.log_level=WARN --ip 0.0.0.0 --no-browser")
