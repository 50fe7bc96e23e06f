"""Every solution notebook on the JAX backend, in quick mode: only the cells that teach TensorFlow itself fail.

The README's backend table says which lessons run end to end on JAX and which cells do not; this is where that
list is kept and checked. Each notebook runs in a fresh kernel with KERAS_BACKEND=jax, every cell run even after
one fails (to see all that fail); a cell that needs a corpus this machine cannot get is skipped by the root
conftest's rule, as under nbval.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

SOLUTIONS = Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
# The cells that fail on JAX, by lesson: the first of each group uses TensorFlow itself (tf.data's element_spec,
# tf.GradientTape, a tf.function); the rest use that cell's result.
TENSORFLOW_ONLY = {
    "02_minibatches": {"dataset"},  # make_dataset(…).element_spec: on JAX a keras.utils.PyDataset
    "03_rnn_from_scratch": {"bptt-check", "tape-compare", "tape-compare-plot"},  # scratch_rnn.tape_gradients
    "05_gradients": {"measure-init", "decay-init", "forget-bias", "decay-forget", "exploding-per-step",
                     "exploding-growth", "exploding-train", "exploding-describe", "char-sgd", "char-adam",
                     "char-describe"},  # gradients.gradient_norms_per_step, training_loop.compiled_step
    "06_anna_karnna": {"loop-step-check", "loop-pass-check", "loop-compare-code", "state-code",
                       "state-plot"},  # the hand-written train_step, training_loop.compare_state_handling
}


@pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                    reason='jax is not installed (pip install "charrnn-lib[jax]")')
@pytest.mark.parametrize("name", sorted(path.stem for path in SOLUTIONS.glob("*.ipynb")))
def test_on_jax_only_the_cells_that_teach_tensorflow_fail(name, missing_corpus, kernel_config, tmp_path,
                                                          monkeypatch):
    notebook = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    if reason := missing_corpus(notebook):
        pytest.skip(reason)
    notebook.cells = [cell for cell in notebook.cells if cell.cell_type != "code" or not missing_corpus(notebook, cell)]
    notebook.cells.append(nbformat.v4.new_code_cell("import keras\nprint(keras.backend.backend())", id="backend"))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    monkeypatch.setenv("CHARRNN_QUICK", "1")
    NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=True, config=kernel_config,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    failed = {cell.id: [f"{output.ename}: {output.evalue[:200]}" for output in cell.outputs
                        if output.output_type == "error"] for cell in notebook.cells if cell.cell_type == "code"}
    assert {cell for cell, errors in failed.items() if errors} == TENSORFLOW_ONLY.get(name, set()), failed
    backend = notebook.cells[-1].outputs
    assert "".join(output.get("text", "") for output in backend if output.get("name") == "stdout") == "jax\n", backend
