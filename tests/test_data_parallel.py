"""Data-parallel training (`devices`): each batch's rows split across devices on JAX, each row keeping its state.

The runs on two devices happen in a process of its own with two simulated CPU devices (JAX reads `XLA_FLAGS` once,
when it starts). From the same saved step-0 weights, without dropout, one device and two must validate alike:
the only difference is the order in which float32 sums are added up (the loss over the rows, the gradients of the
two halves), and a mixed-up state or a lost half of the batch moves the loss by far more.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from charrnn_lib.cli import EXIT_USER_ERROR, build_parser, main
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import ConfigError

REPOSITORY = Path(__file__).resolve().parent.parent
PROBE = Path(__file__).resolve().parent / "data_parallel_probe.py"
# Measured: the two runs' validation losses differ by at most 2.4e-7 nats (one float32 step at 3 nats) over 100
# steps. The tolerance leaves 400 times that for other CPUs and XLA versions, and is a thousandth of what the
# model learns between two validations (about 0.1 nats in 25 steps).
TOLERANCE = 1e-4
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason='jax is not installed (pip install "charrnn-lib[jax]")')


def probe(*args: str) -> None:
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=2".strip()
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": flags, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True, text=True, cwd=REPOSITORY,
                            env=env, timeout=900, check=False)
    assert result.returncode == 0, result.stderr[-3000:]


@needs_jax
def test_two_devices_validate_as_one_from_the_same_weights_and_resume_on_either(tmp_path):
    probe("compare", str(tmp_path))
    result = json.loads((tmp_path / "result.json").read_text())
    one, two = result["devices_1"], result["devices_2"]
    print(f"{'step':>5} {'1 device':>10} {'2 devices':>10}")
    for step, loss_one, loss_two in zip(one["steps"], one["val_loss"], two["val_loss"], strict=True):
        print(f"{step:>5} {loss_one:>10.6f} {loss_two:>10.6f}")
    largest = max(abs(a - b) for a, b in zip(one["val_loss"], two["val_loss"], strict=True))
    print(f"largest difference {largest:.1e}; seconds: 1 device {one['seconds']:.1f}, 2 devices {two['seconds']:.1f}")
    assert result["devices_visible"] == 2
    assert one["steps"] == two["steps"] == [25, 50, 75, 100]
    assert largest < TOLERANCE
    assert two["val_loss"] == sorted(two["val_loss"], reverse=True)  # it learned
    assert two["val_loss"][-1] < two["val_loss"][0] - 0.2
    # Each device holds the carried state of its 4 of the 8 rows; on one device, one holds all 8.
    assert all(layout == {"devices": 2, "shard_shape": [4, 32]} for layout in two["state_layouts"])
    assert all(layout == {"devices": 1, "shard_shape": [8, 32]} for layout in one["state_layouts"])
    # The checkpoint written at step 50 on two devices resumes on one and on two to the same losses.
    resumed_one, resumed_two = result["resumed_on_1"], result["resumed_on_2"]
    assert resumed_one["steps"] == resumed_two["steps"] == [25, 50, 75, 100]
    assert max(abs(a - b) for a, b in zip(resumed_one["val_loss"], resumed_two["val_loss"], strict=True)) < TOLERANCE
    assert result["distribution_after"] == "None"
    assert "devices=3, but JAX sees 2" in result["too_many_devices"]
    assert "--xla_force_host_platform_device_count=3" in result["too_many_devices"]
    assert "process 0 of 2 (jax.distributed)" in result["several_hosts"]


@needs_jax
def test_on_two_devices_each_row_keeps_its_own_state(tmp_path):
    """The copy task (target = the input 3 steps back) at each window's first 3 steps needs the row's own state."""
    probe("copy", str(tmp_path / "copy.json"))
    result = json.loads((tmp_path / "copy.json").read_text())
    carried, reset = result["carried"], result["reset"]
    print(json.dumps(result))
    assert carried["first_positions_accuracy"] > 0.6  # measured 0.81; chance is 1/8
    assert reset["first_positions_accuracy"] < 0.3  # measured 0.14
    assert all(layout == {"devices": 2, "shard_shape": [8, 64]} for layout in carried["state_layouts"])


def test_rows_that_do_not_split_evenly_and_no_devices_are_refused():
    with pytest.raises(ConfigError, match=r"num_seqs=6 rows cannot be split evenly across devices=4.*"
                                          r"use num_seqs=8 or devices=3"):
        TrainConfig.from_knobs(num_seqs=6, devices=4)
    with pytest.raises(ConfigError, match="devices must be a positive whole number, got 0"):
        TrainConfig.from_knobs(devices=0)
    assert TrainConfig.from_knobs(num_seqs=6, devices=3).devices == 3


def test_devices_is_a_train_flag():
    args = build_parser().parse_args(["train", "--dataset", "tang", "--devices", "2"])
    assert args.devices == 2
    assert build_parser().parse_args(["train", "--dataset", "tang"]).devices == 1


def test_two_devices_are_refused_on_a_backend_other_than_jax_before_anything_is_written(tmp_path, capsys):
    import keras

    if keras.backend.backend() == "jax":
        pytest.skip("this process runs Keras on JAX, which takes devices > 1")
    corpus = tmp_path / "digits.txt"
    corpus.write_text("0123456789\n" * 300, encoding="utf-8")
    code = main(["train", "--input_file", str(corpus), "--output_dir", str(tmp_path / "model"), "--num_seqs", "8",
                 "--devices", "2"])
    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR and len(err.strip().splitlines()) == 1
    assert "devices=2 splits batches across devices with keras.distribution" in err
    assert "KERAS_BACKEND=jax" in err and "请在启动 Python 前设置" in err
    assert not (tmp_path / "model").exists()
