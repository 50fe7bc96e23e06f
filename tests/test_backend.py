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


# A tiny sampler asked for six output lengths builds six compiled functions from the same code: TensorFlow calls
# that retracing. `KEEP_FILTERS` 0 removes the library's filter, to show the warning is really there without it.
MANY_SAMPLER_SHAPES = """
import logging, os
from charrnn_lib import backend
backend.load()
if os.environ["KEEP_FILTERS"] == "0":
    logging.getLogger("tensorflow").filters.clear()
from charrnn_lib.model import build_char_rnn
from charrnn_lib.sample import Sampler
from charrnn_lib.text import TextConverter
converter = TextConverter(list("abcdef"))
sampler = Sampler(build_char_rnn(converter.vocab_size, lstm_size=4, num_layers=1, batch_size=1), converter)
for length in (16, 32, 64, 128, 256, 512, 1024):
    sampler.sample("ab", length, seed=0)
logging.getLogger("tensorflow").warning("5 out of the last 5 calls to <function my_step at 0x1> triggered "
                                        "tf.function retracing.")
"""


def test_the_samplers_per_shape_functions_raise_no_retracing_warning_but_other_code_still_does():
    with_filter = run_python(MANY_SAMPLER_SHAPES, KEEP_FILTERS="1")
    without_filter = run_python(MANY_SAMPLER_SHAPES, KEEP_FILTERS="0")
    assert with_filter.returncode == 0 == without_filter.returncode, with_filter.stderr + without_filter.stderr
    assert "compile_generation" not in with_filter.stderr
    assert "my_step at 0x1> triggered tf.function retracing" in with_filter.stderr  # others still warn
