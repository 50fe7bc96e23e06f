"""The library on each Keras backend, each in a process of its own (Keras fixes the backend at import).

The copy task (target = the input three steps back) is right at a window's first positions only with a state
carried across batches: the carried-state model must beat the reset-every-batch model there by a wide margin in
`fit` and in evaluation, and the sampler must copy with it. TensorFlow and JAX, from the same saved step-0
weights and without dropout, must reach the same validation loss after 100 steps of `train`, and so must PyTorch.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "backend_probe.py"
BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}  # Keras backend: the module it needs
CHANCE_LOSS = math.log(8)  # the copy task's vocabulary: 8 ids


def needs(backend: str):
    module = BACKENDS[backend]
    return pytest.mark.skipif(importlib.util.find_spec(module) is None,
                              reason=f"{module} is not installed (pip install \"charrnn-lib[{module}]\")")


def probe(backend: str, *args: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True, cwd=REPOSITORY,
                            env=env, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("backend", [pytest.param(name, marks=needs(name)) for name in BACKENDS])
def test_only_the_carried_state_solves_the_copy_task_in_fit_evaluation_and_sampling(backend, tmp_path):
    probe(backend, "carried", str(tmp_path / "result.json"))
    result = json.loads((tmp_path / "result.json").read_text())
    carried, reset = result["carried"], result["reset"]
    assert result["backend"] == backend
    print(backend, json.dumps(result))
    # fit: a quarter of each window is positions 3+, which both can learn; positions 0-2 only the carried one.
    assert carried["fit_loss_last_pass"] < 0.25 * CHANCE_LOSS < 0.6 * CHANCE_LOSS < reset["fit_loss_last_pass"]
    assert carried["eval_loss"] < 0.25 * CHANCE_LOSS < 0.6 * CHANCE_LOSS < reset["eval_loss"]
    # predict from a fresh state, scored at each window's first three positions (chance: 1/8).
    assert carried["predict_first_positions_accuracy"] > 0.9
    assert reset["predict_first_positions_accuracy"] < 0.3
    # Sampling: the sampler carries its own state from character to character, so the carried model copies the
    # prime's ids three back (chance: 1/7). The reset model copies too once its window reaches three back, which
    # the sampler's unbroken state gives it: sampling tests the sampler's state, fit and evaluation the training's.
    assert carried["sampling_accuracy"] > 0.9


@pytest.mark.parametrize("backend", [pytest.param(name, marks=needs(name)) for name in ("jax", "torch")])
def test_charrnn_train_reaches_tensorflows_validation_loss_from_the_same_weights(backend, tmp_path):
    """`train` itself (model.fit, validation, checkpoints; one step per call on PyTorch), resumed from step 0."""
    probe("tensorflow", "init", str(tmp_path / "start"))
    losses = {}
    for name in ("tensorflow", backend):
        run_dir = tmp_path / name
        shutil.copytree(tmp_path / "start", run_dir)
        probe(name, "resume", str(run_dir))
        losses[name] = json.loads((run_dir / "result.json").read_text())["val_loss"]
    print(losses)
    assert abs(losses["tensorflow"] - losses[backend]) < 0.02  # measured: under 1e-6 for both
    assert losses["tensorflow"] < 3.5  # it learned: a fresh model scores about ln(60) ≈ 4.1 (about 3.0 measured)
