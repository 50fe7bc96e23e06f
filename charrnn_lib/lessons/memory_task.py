"""A task that needs long memory: read k + 1 random characters, then name the first one, seen k steps earlier.

Lesson 4 trains a SimpleRNN, an LSTM and a GRU of the same width on it for growing k, from several seeds: the
plain RNN's accuracy drops at long distances and varies widely between seeds, the gated cells hold up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import keras
import numpy as np

from charrnn_lib.config import CELL_TYPES
from charrnn_lib.errors import ConfigError
from charrnn_lib.model import OneHot

RECURRENT_LAYERS = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


@dataclasses.dataclass(frozen=True)
class RecallSettings:
    """The knobs of one comparison; the defaults are lesson 4's full-mode run."""

    units: int = 32
    alphabet_size: int = 8
    train_size: int = 4000
    test_size: int = 1000
    epochs_per_k: int = 3
    batch_size: int = 64
    learning_rate: float = 0.01
    clipnorm: float | None = None  # gradient clipping (lesson 5); off, as in a plain Keras model
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class RecallComparison:
    """Test accuracy per cell, seed and k, and each cell's model trained from the first seed.

    `accuracy[cell][s, i]` belongs to `seeds[s]` and `ks[i]`: one training run per seed, so a conclusion can be
    read against the spread between seeds rather than from one lucky (or unlucky) run.
    """

    ks: tuple[int, ...]
    seeds: tuple[int, ...]
    accuracy: dict[str, np.ndarray]  # cell -> (len(seeds), len(ks))
    models: dict[str, keras.Model]
    chance: float


def make_recall_data(k: int, num_sequences: int, *, alphabet_size: int = 8,
                     seed: int | Sequence[int] = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences `(num_sequences, k + 1)` of random ids and their targets `(num_sequences,)`: the first id."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ConfigError(f"k (how many steps back to recall) must be a whole number ≥ 0, got {k!r}.",
                          f"k（要回忆几步之前的字符）必须是不小于 0 的整数，收到 {k!r}。")
    rng = np.random.default_rng(seed)
    sequences = rng.integers(0, alphabet_size, size=(num_sequences, k + 1), dtype=np.int32)
    # The last position is k; the character k steps before it is the one at position 0.
    return sequences, sequences[:, 0].copy()


def build_recall_model(cell: str, *, units: int = 32, alphabet_size: int = 8) -> keras.Model:
    """One-hot ids → one recurrent layer (its final hidden state) → logits over the alphabet."""
    if cell not in CELL_TYPES:
        raise ConfigError(f"cell must be one of {', '.join(CELL_TYPES)}, got {cell!r}.",
                          f"cell 只能是 {', '.join(CELL_TYPES)} 之一，收到 {cell!r}。")
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = OneHot(alphabet_size, name="one_hot")(ids)  # (batch, time, alphabet_size)
    last_hidden = RECURRENT_LAYERS[cell](units, name=cell)(x)  # (batch, units)
    logits = keras.layers.Dense(alphabet_size, name="logits")(last_hidden)  # (batch, alphabet_size)
    return keras.Model(ids, logits, name=f"recall_{cell}")


def train_on_growing_k(cell: str, ks: Sequence[int], settings: RecallSettings = RecallSettings(),
                       progress: keras.utils.Progbar | None = None) -> tuple[keras.Model, list[float]]:
    """Train one model on k = ks[0], then ks[1], …; after each stage test it on fresh sequences of that k.

    Growing k step by step gives every cell a short-range signal to learn from first; what a cell
    cannot do is keep the character through ever longer stretches.
    """
    keras.utils.set_random_seed(settings.seed)  # the same start for every cell, whatever ran before
    model = build_recall_model(cell, units=settings.units, alphabet_size=settings.alphabet_size)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate, clipnorm=settings.clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    accuracies = []
    for k in ks:
        train_x, train_y = make_recall_data(k, settings.train_size, alphabet_size=settings.alphabet_size,
                                            seed=(settings.seed, k, 0))
        test_x, test_y = make_recall_data(k, settings.test_size, alphabet_size=settings.alphabet_size,
                                          seed=(settings.seed, k, 1))
        model.fit(train_x, train_y, batch_size=settings.batch_size, epochs=settings.epochs_per_k, verbose=0)
        _, accuracy = model.evaluate(test_x, test_y, batch_size=settings.batch_size, verbose=0)
        accuracies.append(float(accuracy))
        if progress is not None:
            progress.add(1)
    return model, accuracies


def compare_cells(ks: Sequence[int], settings: RecallSettings = RecallSettings(), *,
                  cells: Sequence[str] = ("rnn", "lstm", "gru"), seeds: Sequence[int] | None = None,
                  verbose: int = 1) -> RecallComparison:
    """Train each cell on growing k once per seed (one progress-bar tick per k) and collect the test accuracies.

    `seeds` defaults to `(settings.seed,)`; each run uses `settings` with its own seed, which sets both the
    initial weights and the data.
    """
    seeds = (settings.seed,) if seeds is None else tuple(seeds)
    if not seeds or any(isinstance(seed, bool) or not isinstance(seed, int) for seed in seeds):
        raise ConfigError(f"seeds must be one or more whole numbers, got {seeds!r}.",
                          f"seeds 必须是一个或多个整数，收到 {seeds!r}。")
    progress = keras.utils.Progbar(len(ks) * len(cells) * len(seeds), verbose=verbose, unit_name="stage")
    accuracy, models = {}, {}
    for cell in cells:
        runs = [train_on_growing_k(cell, ks, dataclasses.replace(settings, seed=seed), progress) for seed in seeds]
        models[cell] = runs[0][0]
        accuracy[cell] = np.array([scores for _, scores in runs])  # (len(seeds), len(ks))
    return RecallComparison(tuple(ks), seeds, accuracy, models, chance=1 / settings.alphabet_size)
