"""Run folders: `config.json` + `converter.json` + `history.json` + `checkpoints/ckpt-<step>.keras`.

A run folder holds everything needed to rebuild the model, continue training, or sample from it.
Checkpoints are written under a temporary name and renamed, so an interrupted save never replaces
a good one. A pretrained run folder (see `charrnn_lib.pretrained`) holds a compact `weights.weights.h5`
instead of `checkpoints/`: it can be sampled from, not resumed.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import keras

from charrnn_lib.atomic import atomic_path
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError
from charrnn_lib.text import TextConverter

CONFIG_FILE = "config.json"
CONVERTER_FILE = "converter.json"
HISTORY_FILE = "history.json"
CHECKPOINT_DIR = "checkpoints"
WEIGHTS_FILE = "weights.weights.h5"  # the weights-only file of a pretrained run folder
_CHECKPOINT_PATTERN = re.compile(r"^ckpt-(\d+)\.(keras|weights\.h5)$")


def checkpoint_name(step: int, *, weights_only: bool = False) -> str:
    """`ckpt-<step>.keras` (weights and optimizer), or `ckpt-<step>.weights.h5` (weights only, e.g. float16)."""
    return f"ckpt-{step:08d}.{'weights.h5' if weights_only else 'keras'}"


def list_checkpoints(run_dir: str | os.PathLike) -> list[tuple[int, Path]]:
    """`(step, path)` of every checkpoint in a run folder, oldest first."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _CHECKPOINT_PATTERN.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def checkpoint_step(path: str | os.PathLike) -> int:
    """The step a checkpoint was saved at, read from its name `ckpt-<step>.keras`."""
    match = _CHECKPOINT_PATTERN.match(Path(path).name)
    if match is None:
        raise CheckpointError(f"{path} is not named like a checkpoint (ckpt-<step>.keras).",
                              f"{path} 的文件名不像检查点（应为 ckpt-<step>.keras）。")
    return int(match.group(1))


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    checkpoints = list_checkpoints(run_dir)
    return checkpoints[-1][1] if checkpoints else None


def save_checkpoint(model: keras.Model, run_dir: str | os.PathLike, step: int, keep: int | None = 5) -> Path:
    """Save model weights and optimizer state atomically; keep only the newest `keep` checkpoints."""
    target = Path(run_dir) / CHECKPOINT_DIR / checkpoint_name(step)
    with atomic_path(target, suffix=".keras") as temporary:
        model.save(temporary)
    if keep is not None:
        for _, old in list_checkpoints(run_dir)[:-keep]:
            old.unlink(missing_ok=True)
    return target


def set_aside_previous_run(run_dir: str | os.PathLike) -> Path | None:
    """Move an earlier run's checkpoints and history to `checkpoints.previous/` before starting over.

    Left in place, they would mix with the new run's: the newest-first pruning would keep the old,
    higher-numbered checkpoints and `Sampler.from_run` would load them. Only the last earlier run is kept.
    """
    run_dir = Path(run_dir)
    if not list_checkpoints(run_dir):
        return None
    aside = run_dir / f"{CHECKPOINT_DIR}.previous"
    if aside.exists():
        shutil.rmtree(aside)
    (run_dir / CHECKPOINT_DIR).rename(aside)
    if (run_dir / HISTORY_FILE).exists():
        (run_dir / HISTORY_FILE).rename(aside / HISTORY_FILE)
    return aside


def resolve_checkpoint(checkpoint_path: str | os.PathLike) -> tuple[Path, Path]:
    """Accept a run folder or a checkpoint file; return `(run_dir, checkpoint_file)`."""
    path = Path(checkpoint_path)
    if not path.exists():
        raise CheckpointError(
            f"Checkpoint path {path} does not exist; pass a run folder such as model/<name> or a .keras file in it.",
            f"检查点路径 {path} 不存在；请传入 model/<name> 这样的运行文件夹，或其中的 .keras 文件。",
        )
    if path.is_file():
        run_dir = path.parent.parent if path.parent.name == CHECKPOINT_DIR else path.parent
        return run_dir, path
    # A pretrained folder's chosen weights win over the earlier checkpoints it keeps for the progression.
    checkpoint = path / WEIGHTS_FILE if (path / WEIGHTS_FILE).is_file() else latest_checkpoint(path)
    if checkpoint is None:
        raise CheckpointError(
            f"{path} holds no checkpoint (expected {CHECKPOINT_DIR}/ckpt-<step>.keras, or {WEIGHTS_FILE} in a "
            f"pretrained run); train first with `charrnn train --name ...`.",
            f"{path} 中没有检查点（应为 {CHECKPOINT_DIR}/ckpt-<step>.keras，或预训练运行中的 {WEIGHTS_FILE}）；"
            f"请先用 `charrnn train --name ...` 训练。",
        )
    return path, checkpoint


def load_run(run_dir: str | os.PathLike, converter_path: str | os.PathLike | None = None
             ) -> tuple[TrainConfig, TextConverter]:
    """Read a run's config and vocabulary and check that they agree."""
    run_dir = Path(run_dir)
    config, facts = TrainConfig.load(run_dir / CONFIG_FILE)
    converter = TextConverter.load(converter_path or run_dir / CONVERTER_FILE)
    expected = facts.get("vocab_size")
    if expected is not None and expected != converter.vocab_size:
        raise CheckpointError(
            f"The vocabulary has {converter.vocab_size} ids but the model in {run_dir} was trained with "
            f"{expected}; use the converter.json saved with this run.",
            f"词表有 {converter.vocab_size} 个编号，但 {run_dir} 中的模型训练时用的是 {expected} 个；"
            f"请使用该运行保存的 converter.json。",
        )
    return config, converter


def load_weights(model: keras.Model, checkpoint: str | os.PathLike) -> None:
    """Load a checkpoint into `model`, turning Keras' low-level errors into a message a user can act on."""
    checkpoint = Path(checkpoint)
    if checkpoint.suffix == ".keras" and not zipfile.is_zipfile(checkpoint):
        raise CheckpointError(
            f"{checkpoint} is corrupt (not a .keras archive); delete it to fall back to an earlier checkpoint.",
            f"{checkpoint} 已损坏（不是 .keras 压缩包）；删除它即可退回到更早的检查点。",
        )
    try:
        model.load_weights(checkpoint)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as error:
        raise CheckpointError(
            f"Cannot load {checkpoint} into this model ({error}); the checkpoint is corrupt or its config/vocabulary "
            f"does not match the weights.",
            f"无法把 {checkpoint} 载入模型（{error}）；检查点已损坏，或者配置/词表与权重不匹配。",
        ) from None
