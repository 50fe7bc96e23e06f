"""The notebook opening (`charrnn_lib.lessons.notebook.setup`) and the nbval configuration (sanitizers, stderr)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
from matplotlib import font_manager
from nbformat.v4 import new_code_cell, new_notebook, new_output

from charrnn_lib.lessons import notebook

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def restore_plot_style():
    with matplotlib.rc_context():
        yield


def test_setup_prints_one_report_line_and_seeds_everything(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_QUICK", "1")
    report = notebook.setup(seed=7)
    first = np.random.rand(3)
    notebook.setup(seed=7)
    assert np.array_equal(first, np.random.rand(3))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == lines[1] == str(report)
    for part in (f"Python {report.python}", "TensorFlow 2.", "Keras 3.", "quick mode", "seed 7", "CJK font"):
        assert part in lines[0]
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == notebook.PALETTE[0]


def test_setup_warns_instead_of_failing_when_the_environment_is_odd(monkeypatch, capsys):
    import tensorflow as tf

    def broken(*args):
        raise RuntimeError("no driver")

    monkeypatch.setattr(tf.config, "list_physical_devices", broken)
    monkeypatch.delenv("CHARRNN_QUICK", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = notebook.setup()
    assert report.accelerator == "devices unknown (RuntimeError)" and "full mode" in capsys.readouterr().out
    assert not [warning for warning in caught if "GPU" in str(warning.message)]  # the course is sized for CPUs


def test_versions_outside_the_tested_range_are_warned_about():
    report = notebook.EnvironmentReport(python="3.9.1", framework="2.22.0", keras="3.15.1",
                                        accelerator="GPU ×1 (H100)", quick=False, seed=42,
                                        cjk_font="Noto Sans SC")
    found = notebook.environment_warnings(report)
    assert [english.split()[0] for english, _ in found] == ["Python", "TensorFlow"]
    assert all("outside the tested range" in english and chinese for english, chinese in found)


def test_another_backends_version_is_reported_under_its_name_and_not_held_to_tensorflows_range():
    report = notebook.EnvironmentReport(python="3.11.7", framework="0.10.2", keras="3.15.1", accelerator="CPU only",
                                        quick=True, seed=42, cjk_font="Noto Sans SC", backend="jax")
    assert " · JAX 0.10.2 · " in str(report) and "TensorFlow" not in str(report)
    assert notebook.environment_warnings(report) == []


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason='jax is not installed (pip install ".[jax]")')
def test_setup_on_jax_names_jax_and_lets_no_tensorflow_notice_through():
    """In a process of its own: Keras fixes its backend at import. Keras' set_random_seed starts TensorFlow when it
    is installed, even on JAX; its start-up notices must stay held back there as on TensorFlow."""
    code = "from charrnn_lib.lessons import notebook; notebook.setup()"
    env = {**os.environ, "KERAS_BACKEND": "jax", "CHARRNN_QUICK": "1", "PYTHONWARNINGS": "always"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                            cwd=TESTS.parent, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert " · JAX " in result.stdout and "TensorFlow" not in result.stdout, result.stdout
    assert "outside the tested range" not in result.stderr and "oneDNN" not in result.stderr, result.stderr


def test_setup_registers_the_packaged_cjk_font_as_the_fallback_after_dejavu_sans(capsys):
    report = notebook.setup()
    path = notebook.packaged_cjk_font()
    assert path is not None, "pylopdf-fonts-zh-cn is a dependency: pip install -e ."
    assert report.cjk_font == "Noto Sans SC" and "CJK font: Noto Sans SC" in capsys.readouterr().out
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", "Noto Sans SC"]
    chosen = font_manager.fontManager.findfont(font_manager.FontProperties(family="Noto Sans SC"),
                                               fallback_to_default=False)
    assert Path(chosen) == path
    notebook.setup()
    assert [font.fname for font in font_manager.fontManager.ttflist].count(str(path)) == 1  # registered once


def test_without_the_font_package_an_installed_cjk_font_is_the_fallback(monkeypatch):
    monkeypatch.setattr(notebook, "CJK_FONT_PACKAGE", "no_such_font_package")
    assert notebook.packaged_cjk_font() is None
    assert notebook.choose_cjk_font(["DejaVu Sans", "SimHei", "Noto Sans CJK SC"]) == "Noto Sans CJK SC"
    assert notebook.choose_cjk_font(["DejaVu Sans"]) is None
    fake = font_manager.FontEntry(fname="NotoSansCJK-Regular.ttc", name="Noto Sans CJK SC")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [*font_manager.fontManager.ttflist, fake])
    assert notebook.apply_plot_style() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.family"] == ["DejaVu Sans", "Noto Sans CJK SC"]


def test_without_any_cjk_font_setup_warns_and_still_runs(monkeypatch, capsys):
    monkeypatch.setattr(notebook, "CJK_FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(notebook, "CJK_FONTS", ())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = notebook.setup()
    assert report.cjk_font is None and "CJK font: none" in capsys.readouterr().out
    (warning,) = [warning for warning in caught if "No CJK font" in str(warning.message)]
    assert "pylopdf-fonts-zh-cn" in str(warning.message) and "没有中文字体" in str(warning.message)
    assert matplotlib.rcParams["font.family"] == ["sans-serif"]


# --- nbval ------------------------------------------------------------------------------------------

def sanitize(text: str) -> str:
    """What nbval does to a stream before comparing it, with our sanitizer file."""
    from nbval.plugin import get_sanitize_patterns

    for regex, replacement in get_sanitize_patterns((TESTS / "nbval_sanitize.cfg").read_text(encoding="utf-8")):
        text = re.sub(regex, replacement, text)
    return text


def keras_stream(epochs: int, step_time: str, loss: float) -> str:
    """Keras' notebook progress output after nbval folds its \\r and \\b characters."""
    from nbval.plugin import coalesce_streams

    bold, green, grey, plain = "\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"
    texts = []
    for epoch in range(1, epochs + 1):
        texts += [f"Epoch {epoch}/{epochs}\n",
                  f"\r{bold}1/6{plain} {green}━━━{plain}{grey}━━━━━━━━━━━━━━━━━{plain} {step_time}/step - loss: 9.9",
                  "\b" * 67 + f"\r{bold}6/6{plain} {green}━━━━━━━━━━━━━━━━━━━━{plain}{grey}{plain} {bold}1s{plain} "
                  f"{step_time}/step - loss: {loss} - val_loss: {loss + 0.1:.4f}\n"]
    texts.append(f"perplexity: {loss * 3:.3f}\nWall time: {step_time}\n<keras.src.callbacks.history.History "
                 f"at 0x7fc4{epochs}60a7010>")
    return coalesce_streams([new_output("stream", name="stdout", text=text) for text in texts])[0].text


def test_every_sanitizer_in_the_file_is_read_by_nbval():
    from nbval.plugin import get_sanitize_patterns

    text = (TESTS / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    assert text.isascii()
    assert len(get_sanitize_patterns(text)) == text.count("\nregex: ") == 5


def test_full_and_quick_training_output_compare_equal_after_sanitizing():
    full, quick = keras_stream(20, "49ms", 1.3389), keras_stream(2, "3s", 2.1)
    assert full != quick
    assert sanitize(full) == sanitize(quick) == (
        "KERAS_PROGRESS\nperplexity: NUMBER\nWall time: TIME\n<keras.src.callbacks.history.History at 0xADDRESS>")


def test_sanitizing_keeps_what_should_still_be_compared():
    assert sanitize("vocab_size: 65\nsample: 床前明月光 3 lines") == "vocab_size: 65\nsample: 床前明月光 3 lines"
    assert sanitize("困惑度：5.12 · loss=1e-3") == "困惑度：NUMBER · loss=NUMBER"


def run_nbval(folder: Path, stdout: str, stderr: str) -> subprocess.CompletedProcess:
    """nbval on a one-cell notebook whose saved outputs are `stdout`/`stderr`, with this repo's root conftest."""
    (folder / "notebooks").mkdir(parents=True, exist_ok=True)
    shutil.copy(TESTS.parent / "conftest.py", folder / "conftest.py")
    cell = new_code_cell("import sys\nprint('hello')\nprint('TF log 12:00:01', file=sys.stderr)", execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text=stdout), new_output("stream", name="stderr", text=stderr)]
    notebook_file = new_notebook(cells=[cell])
    notebook_file.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook_file, folder / "notebooks" / "lesson.ipynb")
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
                           "notebooks"], cwd=folder, capture_output=True, text=True, timeout=300)


def test_nbval_ignores_stderr_but_still_compares_stdout(tmp_path):
    different_stderr = run_nbval(tmp_path / "stderr", "hello\n", "TF log 09:13:44\n")
    assert different_stderr.returncode == 0, different_stderr.stdout
    different_stdout = run_nbval(tmp_path / "stdout", "goodbye\n", "TF log 12:00:01\n")
    assert different_stdout.returncode == 1 and "goodbye" in different_stdout.stdout


def test_cells_whose_corpus_cannot_be_had_are_skipped_with_the_reason_and_the_rest_run(tmp_path):
    lesson = new_notebook(cells=[
        new_code_cell("x = 1\nx", outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=1)],
                      execution_count=1),
        new_code_cell("y = undefined_name", metadata={"tags": ["needs-no_such_corpus"]}, execution_count=2),
        new_code_cell("x + 1", outputs=[new_output("execute_result", data={"text/plain": "2"}, execution_count=3)],
                      execution_count=3),
    ])
    nbformat.write(lesson, tmp_path / "lesson.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "--nbval", "-rs", "-p", "no:cacheprovider",
         "-o", "addopts=", str(tmp_path / "lesson.ipynb")],
        cwd=TESTS.parent, capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "2 passed, 1 skipped" in result.stdout
    assert "needs corpus 'no_such_corpus': Unknown corpus 'no_such_corpus'" in result.stdout


@pytest.mark.parametrize(("requirement", "tested"), [('requires-python = "', notebook.TESTED_PYTHON),
                                                      ('"tensorflow-cpu', notebook.TESTED_TENSORFLOW),
                                                      ('"keras', notebook.TESTED_KERAS)])
def test_the_tested_ranges_are_the_versions_pyproject_allows(requirement, tested):
    pyproject = (TESTS.parent / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(re.escape(requirement) + r">=(\d+)\.(\d+),<(\d+)(?:\.(\d+))?", pyproject)
    low, below = (int(found[1]), int(found[2])), (int(found[3]), int(found[4] or 0))
    high = (below[0], below[1] - 1) if below[1] else (below[0] - 1, 99)  # <4 allows every 3.x
    assert (low, high) == tested
