"""Run by tests/test_data_parallel.py on JAX in a process of its own, with two simulated CPU devices
(`XLA_FLAGS=--xla_force_host_platform_device_count=2`, read once when JAX starts).

`python tests/data_parallel_probe.py compare OUT_DIR` trains the same step-0 weights with devices=1 and devices=2,
resumes a devices=2 run stopped halfway on each, and writes `OUT_DIR/result.json`;
`python tests/data_parallel_probe.py copy OUT.json` trains the copy task with devices=2, carried and reset.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import backend_probe  # the copy task and the comparison run, beside this file
import jax
import keras

from charrnn_lib import native
from charrnn_lib.config import Architecture, BatchLayout, TrainConfig
from charrnn_lib.errors import ConfigError
from charrnn_lib.model import build_model, reset_states, state_variables
from charrnn_lib.training import ResetAtPassStart, compile_for_training, train

DEVICES = 2
SAVE_EVERY_N = 25  # four validations in the comparison run's 100 steps, to compare the curves and not one point
COMPARISON, TEXT = backend_probe.COMPARISON, backend_probe.TEXT


def state_layouts(model: keras.Model) -> list[dict]:
    """Where each carried state variable lies: on how many devices, and the shape of the part each one holds."""
    return [{"devices": len(variable.value.sharding.device_set),
             "shard_shape": list(variable.value.sharding.shard_shape(tuple(variable.shape)))}
            for variable in state_variables(model)]


def train_from(start: Path, run_dir: Path, devices: int, max_steps: int = COMPARISON.max_steps) -> dict:
    """Train COMPARISON from the run folder `start` (copied to `run_dir` unless it exists) on `devices` devices."""
    if not run_dir.exists():
        shutil.copytree(start, run_dir)
    config = COMPARISON.replace(devices=devices, save_every_n=SAVE_EVERY_N, max_steps=max_steps)
    began = time.perf_counter()
    run = train(TEXT, config, run_dir, verbose=0)
    seconds = time.perf_counter() - began
    return {"steps": run.history.val_steps, "val_loss": run.history.val_loss, "seconds": seconds,
            "state_layouts": state_layouts(run.model)}


def compare(out_dir: Path) -> None:
    backend_probe.main(["init", str(out_dir / "start")])
    result = {"devices_visible": len(keras.distribution.list_devices())}
    for devices in (1, DEVICES):
        result[f"devices_{devices}"] = train_from(out_dir / "start", out_dir / f"devices_{devices}", devices)
    # A run stopped halfway on two devices resumes from its checkpoint on one device and on two alike.
    halfway = out_dir / "halfway"
    train_from(out_dir / "start", halfway, DEVICES, max_steps=COMPARISON.max_steps // 2)
    for devices in (1, DEVICES):
        result[f"resumed_on_{devices}"] = train_from(halfway, out_dir / f"resumed_on_{devices}", devices)
    result["distribution_after"] = repr(keras.distribution.distribution())  # the run's scope is left
    try:
        native.ops().data_parallel(DEVICES + 1)
    except ConfigError as error:
        result["too_many_devices"] = error.english
    jax.process_count = lambda: 2  # as after jax.distributed.initialize() on two hosts
    try:
        native.ops().data_parallel(DEVICES)
    except ConfigError as error:
        result["several_hosts"] = error.english
    (out_dir / "result.json").write_text(json.dumps(result, indent=1))


def train_copy_task(carry: bool) -> dict:
    """backend_probe's copy task with each batch split across the devices, scored at each window's first steps."""
    keras.utils.set_random_seed(1)
    num_seqs, vocab = backend_probe.NUM_SEQS, backend_probe.VOCAB
    config = TrainConfig(architecture=Architecture(lstm_size=64, num_layers=1, use_embedding=True, embedding_size=8,
                                                   max_vocab=vocab),
                         layout=BatchLayout(num_seqs=num_seqs, num_steps=backend_probe.NUM_STEPS), learning_rate=0.02,
                         train_keep_prob=1.0, devices=DEVICES)
    with native.ops().data_parallel(config.devices):
        model = build_model(config.architecture, vocab, num_seqs)
        compile_for_training(model, config)
        x, y = backend_probe.copy_task_windows(backend_probe.TRAIN_BATCHES, seed=1)
        reset = ResetAtPassStart(backend_probe.TRAIN_BATCHES) if carry else backend_probe.ResetEveryBatch()
        model.fit(x, y, batch_size=num_seqs, epochs=backend_probe.PASSES, shuffle=False, verbose=0, callbacks=[reset])
        x_eval, y_eval = backend_probe.copy_task_windows(backend_probe.EVAL_BATCHES, seed=2)
        reset_states(model)
        logits = model.predict(x_eval, batch_size=num_seqs, verbose=0)  # (windows, num_steps, vocab)
        return {"first_positions_accuracy": backend_probe.first_positions_accuracy(logits, y_eval),
                "state_layouts": state_layouts(model)}


def main(argv: list[str]) -> None:
    command, target = argv[0], Path(argv[1])
    if command == "compare":
        compare(target)
    elif command == "copy":
        target.write_text(json.dumps({"carried": train_copy_task(carry=True), "reset": train_copy_task(carry=False)},
                                     indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
