"""Pretrained run folders: a trained run shrunk to what sampling needs, small enough to ship in the package.

`export_pretrained` copies a run's `config.json`, `converter.json` and `history.json`, stores the chosen
checkpoint's weights as float16 in `weights.weights.h5` (no optimizer state: about a sixth of a `.keras`
checkpoint), and records how the run was made in `provenance.json` and a bilingual `README.md`.
`Sampler.from_run` loads such a folder like any run; Keras casts the float16 weights back to the
float32 model.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from charrnn_lib import checkpoints
from charrnn_lib.atomic import atomic_path, write_text_atomic
from charrnn_lib.errors import CheckpointError
from charrnn_lib.model import build_model

PROVENANCE_FILE = "provenance.json"
README_FILE = "README.md"
COPIED_FILES = (checkpoints.CONFIG_FILE, checkpoints.CONVERTER_FILE, checkpoints.HISTORY_FILE)


def pretrained_dir() -> Path:
    """The folder of the pretrained runs that ship inside the package (written by tools/train_pretrained.py)."""
    return Path(str(importlib.resources.files("charrnn_lib.pretrained")))


def pretrained_names() -> list[str]:
    """The pretrained runs this installation has, e.g. `['anna', 'tang']`."""
    return sorted(folder.name for folder in pretrained_dir().iterdir() if (folder / checkpoints.WEIGHTS_FILE).is_file())


def pretrained_path(name: str) -> Path:
    """The folder of the pretrained run `name`, e.g. `tang`, for `Sampler.from_run`."""
    path = pretrained_dir() / name
    if not (path / checkpoints.WEIGHTS_FILE).is_file():
        available = ", ".join(pretrained_names()) or "none"
        raise CheckpointError(
            f"No pretrained run {name!r} (available: {available}); train it with "
            f"`python tools/train_pretrained.py {name}`.",
            f"没有名为 {name!r} 的预训练运行（现有：{available}）；"
            f"请用 `python tools/train_pretrained.py {name}` 训练。",
        )
    return path


def checkpoint_at_step(run_dir: str | os.PathLike, step: int | None = None) -> Path:
    """The checkpoint saved at `step` (the newest one when `step` is None)."""
    saved = dict(checkpoints.list_checkpoints(run_dir))
    if step is None and saved:
        return saved[max(saved)]
    if step not in saved:
        raise CheckpointError(
            f"{run_dir} has no checkpoint at step {step}; saved steps: {sorted(saved) or 'none'}.",
            f"{run_dir} 中没有第 {step} 步的检查点；已保存的步数：{sorted(saved) or '无'}。",
        )
    return saved[step]


def save_float16_weights(model, path: str | os.PathLike) -> None:
    """Save `model`'s weights as a Keras `.weights.h5` whose arrays are float16 (half the bytes)."""
    with tempfile.TemporaryDirectory() as scratch, atomic_path(path, suffix=".weights.h5") as temporary:
        float32_file = Path(scratch) / "float32.weights.h5"
        model.save_weights(float32_file)
        # A fresh file with the same groups and attributes: h5py does not reclaim the space of deleted arrays.
        with h5py.File(float32_file, "r") as source, h5py.File(temporary, "w") as target:
            _copy_as_float16(source, target)


def _copy_as_float16(source: h5py.Group, target: h5py.Group) -> None:
    target.attrs.update(source.attrs)
    for name, item in source.items():
        if isinstance(item, h5py.Group):
            _copy_as_float16(item, target.create_group(name))
        else:
            values = item[()]
            if np.issubdtype(values.dtype, np.floating):
                values = values.astype(np.float16)
            target.create_dataset(name, data=values).attrs.update(item.attrs)


def export_pretrained(run_dir: str | os.PathLike, destination: str | os.PathLike, *, step: int | None = None,
                      progression_steps: Iterable[int] = (), provenance: dict[str, Any] | None = None) -> Path:
    """Write a compact pretrained run folder from the checkpoint of `run_dir` at `step` (newest by default).

    The checkpoints at `progression_steps` go to `checkpoints/ckpt-<step>.weights.h5` in float16 too, so a
    lesson can sample the same run early, midway and late; `Sampler.from_run(folder)` still loads `step`'s.
    """
    run_dir, destination = Path(run_dir), Path(destination)
    config, converter = checkpoints.load_run(run_dir)
    model = build_model(config.architecture, converter.vocab_size, batch_size=1)
    destination.mkdir(parents=True, exist_ok=True)
    for name in COPIED_FILES:
        if (run_dir / name).exists():
            shutil.copyfile(run_dir / name, destination / name)
    for kept in progression_steps:
        checkpoints.load_weights(model, checkpoint_at_step(run_dir, kept))
        save_float16_weights(model, destination / checkpoints.CHECKPOINT_DIR /
                             checkpoints.checkpoint_name(kept, weights_only=True))
    checkpoint = checkpoint_at_step(run_dir, step)
    checkpoints.load_weights(model, checkpoint)
    save_float16_weights(model, destination / checkpoints.WEIGHTS_FILE)
    write_provenance(destination, {"source_checkpoint": checkpoint.name, "weights_dtype": "float16",
                                   **(provenance or {})})
    return destination


def write_provenance(destination: str | os.PathLike, record: dict[str, Any]) -> None:
    """(Re)write `provenance.json` and the README of a pretrained run folder, e.g. after measuring it."""
    destination = Path(destination)
    config, _ = checkpoints.load_run(destination)
    write_text_atomic(destination / PROVENANCE_FILE, json.dumps(record, ensure_ascii=False, indent=1) + "\n")
    write_text_atomic(destination / README_FILE, describe_provenance(config.name, record))


def load_provenance(run_dir: str | os.PathLike) -> dict[str, Any]:
    """How a pretrained run was made (command, seed, time, final numbers); empty for an ordinary run."""
    path = Path(run_dir) / PROVENANCE_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def describe_provenance(name: str, record: dict[str, Any]) -> str:
    """A bilingual README for a pretrained run folder, listing every recorded fact."""
    facts = "\n".join(f"| `{key}` | `{json.dumps(value, ensure_ascii=False)}` |" for key, value in record.items()
                      if not isinstance(value, (dict, list)))
    return (
        f"# Pretrained run `{name}` · 预训练运行 `{name}`\n\n"
        f"Weights stored as float16 without optimizer state; `Sampler.from_run` and `charrnn sample "
        f"--checkpoint_path` load them back as float32. It cannot be resumed: retrain with the command below.\n\n"
        f"权重以 float16 存储，不含优化器状态；`Sampler.from_run` 与 `charrnn sample --checkpoint_path` "
        f"会把它们载入为 float32。它不能继续训练：请用下面的命令重新训练。\n\n"
        f"| fact · 事实 | value · 取值 |\n|---|---|\n{facts}\n\n"
        f"The curves (validation loss and what was measured at each validation point) are in "
        f"`{checkpoints.HISTORY_FILE}` and `{PROVENANCE_FILE}`.\n\n"
        f"曲线数据（验证损失，以及每个验证点测得的指标）见 `{checkpoints.HISTORY_FILE}` 和 `{PROVENANCE_FILE}`。\n"
    )
