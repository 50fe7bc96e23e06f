"""TensorFlow starts quietly for the CLI and the lessons, and a missing backend is named in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from charrnn_lib import backend

REPOSITORY = Path(__file__).resolve().parent.parent
# Make `import tensorflow` fail, as on a machine where charrnn-lib was installed without an extra.
WITHOUT_TENSORFLOW = """
import importlib.abc, sys
class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoTensorFlow())
"""


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **environment}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPOSITORY, env=env,
                          timeout=300, check=False)


def test_the_lesson_setup_prints_no_tensorflow_notices_but_passes_other_stderr_lines_on():
    result = run_python(
        "from charrnn_lib import backend\n"
        "from charrnn_lib.lessons import notebook\n"
        "notebook.setup(seed=1)\n"
        "import keras\n"
        "keras.layers.LSTM(4)(keras.ops.ones((1, 3, 2)))\n"
        "with backend.without_notices():\n"
        "    import os; os.write(2, b'a real warning\\n')\n"
    )
    assert result.returncode == 0, result.stderr
    assert "CPU only" in result.stdout
    for notice in ("oneDNN", "absl", "cpu_feature_guard", "I0000"):
        assert notice not in result.stderr
    assert "a real warning" in result.stderr


def test_without_tensorflow_the_cli_names_the_extra_to_install_in_one_line():
    code = WITHOUT_TENSORFLOW + (
        "from charrnn_lib.cli import main\n"
        "sys.exit(main(['sample', '--pretrained', 'tang', '--max_length', '3']))\n"
    )
    result = run_python(code)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"charrnn: error: {backend.MISSING_BACKEND}"]
    assert 'pip install "charrnn-lib[cpu]"' in result.stderr


def test_the_notices_list_filters_what_tensorflow_really_prints():
    lines = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
             "I0000 00:00:1795359663.543066   18142 port.cc:153] oneDNN custom operations are on. You may see")
    assert all(any(notice in line for notice in backend.NOTICES) for line in lines)
