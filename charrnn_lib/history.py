"""What a run measured: training loss and speed at each log step; validation loss, bits per character, perplexity."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from pathlib import Path

from charrnn_lib.atomic import write_text_atomic


def bits_per_character(loss_nats: float) -> float:
    """Cross-entropy in nats → bits per character (what compression people and papers report)."""
    return loss_nats / math.log(2)


def perplexity(loss_nats: float) -> float:
    """exp(loss): the effective number of equally likely next characters the model hesitates between."""
    return math.exp(loss_nats)


@dataclasses.dataclass
class TrainingHistory:
    """Parallel lists, so they plot directly: `plt.plot(history.steps, history.loss)`."""

    steps: list[int] = dataclasses.field(default_factory=list)
    loss: list[float] = dataclasses.field(default_factory=list)
    seconds_per_batch: list[float] = dataclasses.field(default_factory=list)
    chars_per_second: list[float] = dataclasses.field(default_factory=list)
    val_steps: list[int] = dataclasses.field(default_factory=list)
    val_loss: list[float] = dataclasses.field(default_factory=list)
    val_bpc: list[float] = dataclasses.field(default_factory=list)
    val_perplexity: list[float] = dataclasses.field(default_factory=list)
    train_seconds: float = 0.0

    def record_training(self, step: int, loss: float, seconds_per_batch: float, chars_per_second: float) -> None:
        self.steps.append(step)
        self.loss.append(loss)
        self.seconds_per_batch.append(seconds_per_batch)
        self.chars_per_second.append(chars_per_second)

    def record_validation(self, step: int, loss: float) -> None:
        self.val_steps.append(step)
        self.val_loss.append(loss)
        self.val_bpc.append(bits_per_character(loss))
        self.val_perplexity.append(perplexity(loss))

    def save(self, path: str | os.PathLike) -> None:
        write_text_atomic(path, json.dumps(dataclasses.asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainingHistory:
        """Read a saved history; a missing file gives an empty one (e.g. a run from before histories)."""
        path = Path(path)
        if not path.exists():
            return cls()
        payload = json.loads(path.read_text(encoding="utf-8"))
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in payload.items() if key in names})
