"""Run configuration (the knobs users know from the seed lessons) and the quick-mode switch."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any, TypeVar

from charrnn_lib.atomic import write_text_atomic
from charrnn_lib.errors import CheckpointError, ConfigError

CELL_TYPES = ("lstm", "gru", "rnn")
T = TypeVar("T")


def require_positive_whole_numbers(**values: Any) -> None:
    """Refuse sizes and counts that are not whole numbers ≥ 1, naming the knob and echoing the value."""
    for knob, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{knob} must be a positive whole number, got {value!r}.",
                              f"{knob} 必须是正整数，收到 {value!r}。")


def require_cell(cell: str) -> None:
    """Refuse a recurrent cell type the course does not build."""
    if cell not in CELL_TYPES:
        raise ConfigError(f"cell must be one of {', '.join(CELL_TYPES)}, got {cell!r}.",
                          f"cell 只能是 {', '.join(CELL_TYPES)} 之一，收到 {cell!r}。")


def quick_mode() -> bool:
    """True when CHARRNN_QUICK=1: notebooks and CI shrink corpora, models and steps.

    This is the only place the library reads the variable.
    """
    return os.environ.get("CHARRNN_QUICK", "").strip().lower() in {"1", "true", "yes", "on"}


def strict_checks() -> bool:
    """True when CHARRNN_STRICT=1 (set by the test command): exercise checks raise on fail or error."""
    return os.environ.get("CHARRNN_STRICT", "").strip().lower() in {"1", "true", "yes", "on"}


def by_mode(*, full: T, quick: T) -> T:
    """Pick the full-mode value for a class, or the quick-mode value for CI."""
    return quick if quick_mode() else full


@dataclasses.dataclass
class TrainConfig:
    """Everything needed to rebuild and continue a run; saved as `config.json` in the run folder."""

    name: str = "default"
    num_seqs: int = 32
    num_steps: int = 26
    lstm_size: int = 128
    num_layers: int = 2
    use_embedding: bool = False
    embedding_size: int = 128
    learning_rate: float = 0.001
    train_keep_prob: float = 0.5
    grad_clip: float = 5.0
    max_steps: int = 10000
    save_every_n: int = 1000
    log_every_n: int = 10
    max_vocab: int = 3500
    validation_fraction: float = 0.05
    cell: str = "lstm"
    seed: int | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse values that cannot train, naming the knob, the value and a sensible range."""
        require_positive_whole_numbers(**{knob: getattr(self, knob) for knob in (
            "num_seqs", "num_steps", "lstm_size", "num_layers", "embedding_size", "max_steps", "save_every_n",
            "log_every_n", "max_vocab")})
        if not 0.0 < self.train_keep_prob <= 1.0:
            raise ConfigError(
                f"train_keep_prob is the probability of keeping a unit and must be in (0, 1], "
                f"got {self.train_keep_prob!r}; 0.5 is a common choice.",
                f"train_keep_prob 是保留神经元的概率，必须在 (0, 1] 之间，收到 {self.train_keep_prob!r}；常用 0.5。",
            )
        if not self.learning_rate > 0:
            raise ConfigError(
                f"learning_rate must be positive, got {self.learning_rate!r}; try 0.001.",
                f"learning_rate 必须为正数，收到 {self.learning_rate!r}；可以试试 0.001。",
            )
        if not self.grad_clip > 0:
            raise ConfigError(
                f"grad_clip must be positive, got {self.grad_clip!r}; the seeds use 5.",
                f"grad_clip 必须为正数，收到 {self.grad_clip!r}；原课程使用 5。",
            )
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ConfigError(
                f"validation_fraction must be in [0, 1), got {self.validation_fraction!r}.",
                f"validation_fraction 必须在 [0, 1) 之间，收到 {self.validation_fraction!r}。",
            )
        require_cell(self.cell)

    @property
    def keep_prob(self) -> float:
        return self.train_keep_prob

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, path: str | os.PathLike, **extra: Any) -> None:
        """Write the config (plus facts such as `vocab_size`) as JSON, atomically."""
        payload = {"format": "charrnn-config", "version": 1, **self.to_dict(), **extra}
        write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> tuple[TrainConfig, dict[str, Any]]:
        """Read a saved config; returns the config and the extra facts saved beside it."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(
                f"No config.json at {path}; is this a folder written by `charrnn train`?",
                f"在 {path} 找不到 config.json；这是 `charrnn train` 生成的文件夹吗？",
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CheckpointError(
                f"{path} is not valid JSON ({error}); restore it or retrain.",
                f"{path} 不是有效的 JSON（{error}）；请恢复该文件或重新训练。",
            ) from None
        if not isinstance(payload, dict) or payload.get("format") != "charrnn-config":
            raise CheckpointError(
                f"{path} is not a charrnn config file.", f"{path} 不是 charrnn 的配置文件。"
            )
        names = {field.name for field in dataclasses.fields(cls)}
        known = {key: value for key, value in payload.items() if key in names}
        extra = {key: value for key, value in payload.items()
                 if key not in names and key not in {"format", "version"}}
        try:
            return cls(**known), extra
        except ConfigError as error:
            raise CheckpointError(
                f"{path} holds an invalid config: {error.english}",
                f"{path} 中的配置无效：{error.chinese}",
            ) from None
