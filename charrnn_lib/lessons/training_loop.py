"""Lesson 6 opens `cr.train`: one step, one stateful pass and validation written out, plus the stateful experiment.

`train_step`, `train_one_pass` and `validation_loss` are the references the checks of `charrnn_lib.checks.training`
compare a learner's code with; with `keep_prob=1`, the output bias from zero and the same seed they give the
losses `cr.train` logs. Loss units (nats, bits, perplexity) are converted by `loss_units`. `compare_state_handling`
trains one model three ways (state carried, state reset every batch, shuffled windows) to measure what the carried
state is worth.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib.batches import make_batches, split_train_validation
from charrnn_lib.config import TrainConfig
from charrnn_lib.history import bits_per_character, perplexity
from charrnn_lib.model import build_model, reset_states, state_variables

StepFunction = Callable[[keras.Model, keras.optimizers.Optimizer, np.ndarray, np.ndarray, float], float]
STATE_HANDLING = ("carried", "reset every batch", "shuffled windows")


def mean_cross_entropy(targets, logits) -> tf.Tensor:
    """The mean softmax cross-entropy in nats per character, taken from logits (no softmax before it)."""
    per_character = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)  # (batch, time)
    return tf.reduce_mean(per_character)


def train_step(model: keras.Model, optimizer: keras.optimizers.Optimizer, x, y, grad_clip: float) -> float:
    """One step of truncated backpropagation: loss from logits, gradients, clip by global norm, update.

    Returns the loss before the update, in nats per character, which is what `cr.train` logs for the step.
    """
    with tf.GradientTape() as tape:
        logits = model(x, training=True)  # (num_seqs, num_steps, vocab_size); the state carries in from the last call
        loss = mean_cross_entropy(y, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    gradients, _ = tf.clip_by_global_norm(gradients, grad_clip)  # one factor for all tensors keeps the direction
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return float(loss)


def train_one_pass(model: keras.Model, optimizer: keras.optimizers.Optimizer, x_batches, y_batches,
                   grad_clip: float, step: StepFunction = train_step) -> list[float]:
    """One pass over the batches in order: zero the state once at the start, then carry it from batch to batch."""
    reset_states(model)  # every stream starts again at its beginning
    return [step(model, optimizer, x, y, grad_clip) for x, y in zip(x_batches, y_batches, strict=True)]


def carried_states(model: keras.Model) -> list[np.ndarray]:
    """A copy of every recurrent layer's state (h and c of each LSTM), to put back later."""
    return [variable.numpy() for variable in state_variables(model)]


def restore_states(model: keras.Model, values: Sequence[np.ndarray]) -> None:
    """Put back the states `carried_states` copied, so training continues its streams where it left them."""
    for variable, value in zip(state_variables(model), values, strict=True):
        variable.assign(value)


def validation_loss(model: keras.Model, x_batches, y_batches) -> float:
    """The mean loss over the validation batches from a zero state, without dropout, leaving the carried state alone."""
    saved = carried_states(model)
    reset_states(model)
    losses = [float(mean_cross_entropy(y, model(x, training=False))) for x, y in zip(x_batches, y_batches, strict=True)]
    restore_states(model, saved)
    return float(np.mean(losses))


def loss_units(loss_nats: float) -> tuple[float, float]:
    """A loss in nats per character as (bits per character, perplexity): loss / ln 2 and e^loss."""
    return bits_per_character(loss_nats), perplexity(loss_nats)


@dataclasses.dataclass(frozen=True)
class StateRun:
    """One training run of the stateful experiment: how it handled the state and what it reached."""

    handling: str
    seed: int
    val_bpc: float
    val_bpc_reset_every_window: float


def compare_state_handling(ids: np.ndarray, config: TrainConfig, *, seeds: Sequence[int], steps: int,
                           vocab_size: int) -> list[StateRun]:
    """Train the same model for the same steps three ways (`STATE_HANDLING`) per seed; validate each two ways.

    `config` gives the architecture, the batch layout, the learning rate and `grad_clip`. Validation reads the
    held-out tail as contiguous streams: once with the state carried from window to window (how a sampler writes)
    and once reset before every window (at most `num_steps` characters of context).
    """
    layout = config.layout
    train_ids, validation_ids = split_train_validation(ids, layout.validation_fraction)
    x, y = make_batches(train_ids, layout.num_seqs, layout.num_steps)  # (n_batches, num_seqs, num_steps)
    x_val, y_val = make_batches(validation_ids, layout.num_seqs, layout.num_steps)
    runs = []
    for seed in seeds:
        for handling in STATE_HANDLING:
            keras.utils.set_random_seed(seed)
            model = build_model(config.architecture, vocab_size, layout.num_seqs)
            optimizer = keras.optimizers.Adam(config.learning_rate, global_clipnorm=config.grad_clip)
            step = compiled_step(model, optimizer)
            order = _batch_order(handling, x, y, steps, np.random.default_rng(seed))
            for x_batch, y_batch, starts_pass in order:
                if starts_pass or handling != "carried":
                    reset_states(model)
                step(x_batch, y_batch)
            runs.append(StateRun(handling, seed, bits_per_character(validation_loss(model, x_val, y_val)),
                                 bits_per_character(_loss_reset_every_window(model, x_val, y_val))))
    return runs


def compiled_step(model: keras.Model, optimizer: keras.optimizers.Optimizer,
                  loss: Callable[[tf.Tensor, tf.Tensor], tf.Tensor] = mean_cross_entropy):
    """`train_step` as one graph, for experiments of many steps: `step(x, y)` → (loss, gradient norm).

    Clipping is the optimizer's (`global_clipnorm`, as `cr.train` sets it from `grad_clip`); the norm returned is
    the global norm of the gradients before it, which shows what the clipping had to tame (lesson 5).
    """

    @tf.function(autograph=False)  # no Python control flow in it
    def step(x, y):
        with tf.GradientTape() as tape:
            batch_loss = loss(y, model(x, training=True))
        gradients = tape.gradient(batch_loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return batch_loss, tf.linalg.global_norm(gradients)

    return step


def _batch_order(handling: str, x: np.ndarray, y: np.ndarray, steps: int, rng: np.random.Generator):
    """`steps` batches `(x, y, starts_a_pass)`: passes in stream order, or windows shuffled across rows and batches."""
    n_batches, num_seqs, num_steps = x.shape
    if handling == "shuffled windows":
        windows_x, windows_y = x.reshape(-1, num_steps), y.reshape(-1, num_steps)  # (n_batches * num_seqs, num_steps)
        for _ in range(steps):
            picked = rng.choice(len(windows_x), size=num_seqs, replace=False)
            yield windows_x[picked], windows_y[picked], True
        return
    for index in range(steps):
        yield x[index % n_batches], y[index % n_batches], index % n_batches == 0


def _loss_reset_every_window(model: keras.Model, x_batches, y_batches) -> float:
    losses = []
    for x, y in zip(x_batches, y_batches, strict=True):
        reset_states(model)
        losses.append(float(mean_cross_entropy(y, model(x, training=False))))
    reset_states(model)
    return float(np.mean(losses))

