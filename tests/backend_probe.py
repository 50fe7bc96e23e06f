"""Run by tests/test_backends.py in a process of its own, with KERAS_BACKEND set (Keras fixes it at import).

`python tests/backend_probe.py carried OUT.json` trains the copy task twice and writes what it measured;
`python tests/backend_probe.py init RUN_DIR` writes a run folder with step-0 weights;
`python tests/backend_probe.py resume RUN_DIR STEPS` trains that run folder on TEXT to STEPS and writes its val loss.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keras
import numpy as np

from charrnn_lib import checkpoints
from charrnn_lib.config import Architecture, BatchLayout, TrainConfig
from charrnn_lib.model import build_model, reset_states
from charrnn_lib.sample import Sampler
from charrnn_lib.text import TextConverter
from charrnn_lib.training import ResetAtPassStart, compile_for_training, train

# The copy task: the target at each position is the input three steps back. At a window's first three positions
# that input lies in the previous window, so only a state carried across batches can get them right.
LAG, VOCAB, NUM_SEQS, NUM_STEPS = 3, 8, 16, 4
TRAIN_BATCHES, EVAL_BATCHES, PASSES = 400, 40, 8
# A small natural-language text for the TF-vs-JAX comparison: every backend reads the same characters.
TEXT = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")[:30000]
COMPARISON = TrainConfig(name="compare", architecture=Architecture(lstm_size=32, num_layers=1, use_embedding=True,
                                                                   embedding_size=16, max_vocab=60),
                         layout=BatchLayout(num_seqs=8, num_steps=16, validation_fraction=0.1), learning_rate=0.01,
                         train_keep_prob=1.0, max_steps=100, save_every_n=100, log_every_n=10, seed=1)


def copy_task_windows(n_batches: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`(x, y)` as `(n_batches * NUM_SEQS, NUM_STEPS)` rows in `fit`'s order: batch k's row i continues batch k-1's."""
    stream = np.random.default_rng(seed).integers(0, VOCAB, size=(NUM_SEQS, n_batches * NUM_STEPS + LAG))
    x, y = stream[:, LAG:], stream[:, :-LAG]  # y[t] = x[t - LAG]
    windows = [each.reshape(NUM_SEQS, n_batches, NUM_STEPS).transpose(1, 0, 2).reshape(-1, NUM_STEPS)
               for each in (x, y)]
    return windows[0].astype(np.int32), windows[1].astype(np.int32)


class ResetEveryBatch(keras.callbacks.Callback):
    """The baseline: the state is zeroed before every batch, as a stateless model would have it."""

    def on_train_batch_begin(self, batch, logs=None):
        reset_states(self.model)


def first_positions_accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((logits.argmax(-1)[:, :LAG] == y[:, :LAG]).mean())


def train_copy_task(carry: bool) -> dict[str, float]:
    keras.utils.set_random_seed(1)
    config = TrainConfig(architecture=Architecture(lstm_size=64, num_layers=1, use_embedding=True, embedding_size=8,
                                                   max_vocab=VOCAB),
                         layout=BatchLayout(num_seqs=NUM_SEQS, num_steps=NUM_STEPS), learning_rate=0.02,
                         train_keep_prob=1.0)
    model = build_model(config.architecture, VOCAB, NUM_SEQS)
    compile_for_training(model, config)
    x, y = copy_task_windows(TRAIN_BATCHES, seed=1)
    reset = ResetAtPassStart(TRAIN_BATCHES) if carry else ResetEveryBatch()
    fitted = model.fit(x, y, batch_size=NUM_SEQS, epochs=PASSES, shuffle=False, verbose=0, callbacks=[reset])
    x_eval, y_eval = copy_task_windows(EVAL_BATCHES, seed=2)
    reset_states(model)
    eval_loss = model.evaluate(x_eval, y_eval, batch_size=NUM_SEQS, verbose=0)
    reset_states(model)
    logits = model.predict(x_eval, batch_size=NUM_SEQS, verbose=0)
    # Sampling: greedy continuation of a random prime; right when each drawn id is the one drawn LAG+1 steps before
    # (the id read LAG steps before the input that produced it).
    converter = TextConverter([chr(ord("a") + index) for index in range(VOCAB - 1)])
    prime = "".join(np.random.default_rng(3).choice(list(converter.vocab[:VOCAB - 1]), size=12))
    texts = Sampler(model, converter).sample(prime, 40, top_n=1, num_samples=1, seed=1)
    ids = converter.encode(texts[0])
    generated = np.arange(len(prime), len(ids))
    return {"fit_loss_last_pass": float(fitted.history["loss"][-1]), "eval_loss": float(eval_loss),
            "predict_first_positions_accuracy": first_positions_accuracy(logits, y_eval),
            "sampling_accuracy": float((ids[generated] == ids[generated - LAG - 1]).mean())}


def main(argv: list[str]) -> None:
    command, target = argv[0], Path(argv[1])
    if command == "carried":
        result = {"backend": keras.backend.backend(), "carried": train_copy_task(carry=True),
                  "reset": train_copy_task(carry=False)}
        target.write_text(json.dumps(result, indent=1))
    elif command == "init":
        keras.utils.set_random_seed(COMPARISON.seed)
        converter = TextConverter.from_text(TEXT, COMPARISON.architecture.max_vocab)
        model = build_model(COMPARISON.architecture, converter.vocab_size, COMPARISON.layout.num_seqs)
        compile_for_training(model, COMPARISON)
        checkpoints.save_checkpoint(model, target, 0)
        COMPARISON.save(target / checkpoints.CONFIG_FILE, vocab_size=converter.vocab_size)
        converter.save(target / checkpoints.CONVERTER_FILE)
    elif command == "resume":
        run = train(TEXT, COMPARISON, target, verbose=0)
        (target / "result.json").write_text(json.dumps({"backend": keras.backend.backend(),
                                                        "val_loss": run.history.val_loss[-1]}))


if __name__ == "__main__":
    main(sys.argv[1:])
