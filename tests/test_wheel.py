"""A real package: the wheel, installed outside the checkout, knows its catalog and its pretrained runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with only the charrnn-lib wheel in it; its dependencies are this environment's, read-only."""
    scratch = tmp_path_factory.mktemp("wheel")
    source = scratch / "source"  # a copy, so the build leaves nothing (build/, *.egg-info) in the checkout
    shutil.copytree(REPOSITORY, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "model", "runs", "notebooks"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(scratch / "dist"), str(source)],
        cwd=scratch)
    wheel = next((scratch / "dist").glob("charrnn_lib-*.whl"))
    venv = scratch / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=scratch)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=scratch)
    # Dependencies (TensorFlow, Keras, OpenCC …) from this environment, as a plain path: its .pth files, and with
    # them the editable install of the checkout, are not read.
    venv_site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=scratch)
    Path(venv_site.strip(), "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (scratch / "data").mkdir()
    env = {**os.environ, "CHARRNN_DATA_DIR": str(scratch / "data"), "CHARRNN_CACHE_DIR": str(scratch / "cache")}
    return venv / "bin", env


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, tmp_path):
    bin_dir, env = installed
    location = run([str(bin_dir / "python"), "-c", "import charrnn_lib; print(charrnn_lib.__file__)"], tmp_path, env)
    assert Path(location.strip()).is_relative_to(bin_dir.parent)


def test_data_list_reads_the_catalog_from_the_package(installed, tmp_path):
    bin_dir, env = installed
    listing = run([str(bin_dir / "charrnn"), "data", "list"], tmp_path, env)
    assert "tang300" in listing and "anna" in listing and "tang_hzy46" in listing


def test_sample_from_a_pretrained_run_that_ships_inside_the_package(installed, tmp_path):
    bin_dir, env = installed
    poem = run([str(bin_dir / "charrnn"), "sample", "--pretrained", "tang", "--start_string", "春",
                "--max_length", "30", "--seed", "1"], tmp_path, env)
    assert poem.startswith("春") and "，" in poem


@pytest.mark.skipif(shutil.which("npm") is None, reason="needs npm and the npm registry for chinese-poetry")
def test_data_prepare_builds_a_corpus_from_the_registry(installed, tmp_path):
    bin_dir, env = installed
    output = run([str(bin_dir / "charrnn"), "data", "prepare", "tang300"], tmp_path, env)
    assert "sha256 checked" in output
    assert Path(env["CHARRNN_CACHE_DIR"], "tang300.txt").read_text(encoding="utf-8").startswith("五言")
