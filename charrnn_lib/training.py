"""Training: truncated backpropagation through time on a stateful model, with Adam and gradient clipping.

Each batch row continues the same stream of text as in the previous batch, so the hidden state is
carried from batch to batch and reset only at the start of each pass over the corpus. Many steps run
inside one compiled TensorFlow function, so Python is not on the hot path.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from pathlib import Path

import keras
import tensorflow as tf

from charrnn_lib import checkpoints
from charrnn_lib.batches import count_batches, make_batches, split_train_validation
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError
from charrnn_lib.history import TrainingHistory, bits_per_character
from charrnn_lib.model import recurrent_layers, reset_states
from charrnn_lib.text import TextConverter

logger = logging.getLogger("charrnn")

# Knobs that change the weights' shapes or the batch layout: a resumed run must keep them.
_ARCHITECTURE_KNOBS = ("num_seqs", "num_steps", "lstm_size", "num_layers", "use_embedding", "embedding_size",
                       "max_vocab", "cell", "validation_fraction")


@dataclasses.dataclass
class TrainingRun:
    """What `train` returns: the trained model (at `num_seqs`), its vocabulary, config, history and folder."""

    model: keras.Model
    converter: TextConverter
    config: TrainConfig
    history: TrainingHistory
    run_dir: Path


class CompiledSteps:
    """Runs many training (or evaluation) steps per call of one `tf.function` graph.

    XLA (`jit_compile=True`) is off by default: on CPU it trained no faster (poetry) or 1.4x slower (Anna)
    and cost 13-25 s of compilation (benchmarks/RESULTS.md); on a GPU it would keep Keras from the cuDNN kernel.
    """

    def __init__(self, model: keras.Model, jit_compile: bool = False) -> None:
        self.model = model
        self._train = tf.function(self._train_steps, jit_compile=jit_compile)
        self._evaluate = tf.function(self._evaluate_steps, jit_compile=jit_compile)

    def _loss(self, y, logits):
        # (num_seqs, num_steps) targets against (num_seqs, num_steps, vocab_size) logits → mean nats per char:
        # log-sum-exp of the logits minus the target's logit. That is the softmax cross-entropy, but with 3,500
        # classes it ran forward and backward in half the time of TF's fused CPU kernel for it.
        target_logits = tf.gather(logits, y, batch_dims=2)
        return tf.reduce_mean(tf.reduce_logsumexp(logits, axis=-1) - target_logits)

    def _train_steps(self, x_batches, y_batches, start, count):
        model, optimizer = self.model, self.model.optimizer

        def step(index, total):
            # tf.gather, not slicing: XLA treats a slice start as a compile-time constant and would recompile.
            x, y = tf.gather(x_batches, start + index), tf.gather(y_batches, start + index)  # (num_seqs, num_steps)
            with tf.GradientTape() as tape:
                loss = self._loss(y, model(x, training=True))
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(gradients, model.trainable_variables)  # clipped by global norm (Adam's global_clipnorm)
            return index + 1, total + loss

        _, total = tf.while_loop(lambda index, _: index < count, step, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    def _evaluate_steps(self, x_batches, y_batches, count):
        def step(index, total):
            logits = self.model(tf.gather(x_batches, index), training=False)
            return index + 1, total + self._loss(tf.gather(y_batches, index), logits)

        _, total = tf.while_loop(lambda index, _: index < count, step, (tf.constant(0), tf.constant(0.0)))
        return total / tf.cast(count, tf.float32)

    def train(self, x_batches: tf.Tensor, y_batches: tf.Tensor, start: int, count: int) -> float:
        """Train on batches `start .. start+count-1`, carrying state; returns their mean loss."""
        return float(self._train(x_batches, y_batches, tf.constant(start), tf.constant(count)))

    def evaluate(self, x_batches: tf.Tensor, y_batches: tf.Tensor) -> float:
        """Mean loss over all given batches from a fresh state, leaving the training state untouched."""
        saved = [variable.numpy() for layer in recurrent_layers(self.model) for variable in layer.states]
        reset_states(self.model)
        loss = float(self._evaluate(x_batches, y_batches, tf.constant(int(x_batches.shape[0]))))
        variables = [variable for layer in recurrent_layers(self.model) for variable in layer.states]
        for variable, value in zip(variables, saved, strict=True):
            variable.assign(value)
        return loss


def train(
    text: str,
    config: TrainConfig,
    run_dir: str | os.PathLike | None = None,
    *,
    resume: bool = True,
    callbacks: list[keras.callbacks.Callback] | None = None,
    verbose: int = 1,
    keep_checkpoints: int | None = 5,
    jit_compile: bool = False,
    unroll: bool = False,
) -> TrainingRun:
    """Train a char-RNN on `text`; checkpoints, vocabulary, config and history go to `run_dir`.

    `run_dir` defaults to `model/<config.name>`. With `resume`, an existing checkpoint there is loaded
    and training continues from its step. `verbose=1` shows a Keras progress bar; log lines go to the
    `charrnn` logger every `log_every_n` steps either way. Ctrl-C saves a final checkpoint, then re-raises.
    `unroll` builds the training graph with the recurrent loop unrolled over `num_steps`: some seconds
    more to start, then faster steps for large LSTMs on CPU. Neither it nor `jit_compile` changes the weights,
    so a run may resume with either setting.
    """
    config.validate()
    run_dir = Path(run_dir) if run_dir is not None else Path("model") / config.name
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    previous = checkpoints.latest_checkpoint(run_dir) if resume else None
    converter = _converter_for(text, config, run_dir, previous)

    ids = converter.encode(text)
    train_ids, validation_ids = split_train_validation(ids, config.validation_fraction)
    x_train, y_train = (tf.constant(array) for array in make_batches(train_ids, config.num_seqs, config.num_steps))
    validation = None
    if count_batches(len(validation_ids), config.num_seqs, config.num_steps) > 0:
        validation = tuple(tf.constant(a) for a in make_batches(validation_ids, config.num_seqs, config.num_steps))
    elif config.validation_fraction > 0:
        logger.warning("Validation tail (%d chars) is shorter than one batch; no validation loss will be reported.",
                       len(validation_ids))

    if unroll and _gpu_visible():
        logger.warning("unroll=True keeps the LSTM off the fused cuDNN kernel, which is faster on a GPU; "
                       "train without it there.")
    model = checkpoints.build_from_config(config, converter.vocab_size, config.num_seqs, training=True, unroll=unroll)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, global_clipnorm=config.grad_clip),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.optimizer.build(model.trainable_variables)
    history = TrainingHistory()
    if previous is not None:
        checkpoints.load_weights(model, previous)
        history = TrainingHistory.load(run_dir / checkpoints.HISTORY_FILE)
    elif (aside := checkpoints.set_aside_previous_run(run_dir)) is not None:
        logger.warning("Starting over in %s: the earlier run's checkpoints and history moved to %s.", run_dir, aside)
    config.save(run_dir / checkpoints.CONFIG_FILE, vocab_size=converter.vocab_size)
    converter.save(run_dir / checkpoints.CONVERTER_FILE)

    loop = _TrainingLoop(model, config, run_dir, history, CompiledSteps(model, jit_compile),
                         (x_train, y_train), validation, keep_checkpoints,
                         keras.callbacks.CallbackList(callbacks, model=model), verbose)
    loop.run(start_step=int(model.optimizer.iterations))
    return TrainingRun(model, converter, config, history, run_dir)


def _gpu_visible() -> bool:
    return bool(tf.config.list_logical_devices("GPU"))


def _converter_for(text: str, config: TrainConfig, run_dir: Path, previous: Path | None) -> TextConverter:
    """A new vocabulary for a new run; the saved one (and a compatible config) when resuming."""
    if previous is None:
        return TextConverter.from_text(text, config.max_vocab)
    saved_config, converter = checkpoints.load_run(run_dir)
    changed = [knob for knob in _ARCHITECTURE_KNOBS if getattr(saved_config, knob) != getattr(config, knob)]
    if changed:
        details = ", ".join(f"{knob}: saved {getattr(saved_config, knob)!r} vs now {getattr(config, knob)!r}"
                            for knob in changed)
        raise CheckpointError(
            f"Cannot resume {run_dir}: {details}. Use the saved values, another --name, or resume=False.",
            f"无法继续训练 {run_dir}：{details}。请使用保存时的取值、换一个 --name，或设 resume=False。",
        )
    return converter


class _TrainingLoop:
    """The bookkeeping around the compiled steps: passes, logging, validation, checkpoints, Ctrl-C."""

    def __init__(self, model, config, run_dir, history, steps, train_batches, validation, keep_checkpoints,
                 callbacks, verbose):
        self.model, self.config, self.run_dir, self.history = model, config, run_dir, history
        self.steps, self.validation, self.keep_checkpoints = steps, validation, keep_checkpoints
        self.x_train, self.y_train = train_batches
        self.n_batches = int(self.x_train.shape[0])
        self.callbacks, self.verbose = callbacks, verbose
        self.chars_per_batch = config.num_seqs * config.num_steps
        self.saved_step = -1

    def run(self, start_step: int) -> None:
        config, step = self.config, start_step
        progress = keras.utils.Progbar(config.max_steps, stateful_metrics=["loss", "val_loss", "val_bpc"]) \
            if self.verbose == 1 else None
        logger.info("Training %s: %d batches of %d×%d per pass, steps %d→%d", self.run_dir, self.n_batches,
                    config.num_seqs, config.num_steps, step, config.max_steps)
        self.callbacks.on_train_begin()
        try:
            while step < config.max_steps:
                position = step % self.n_batches
                if position == 0:
                    reset_states(self.model)  # a new pass starts every stream from the beginning
                    self.callbacks.on_epoch_begin(step // self.n_batches)
                count = min(self.n_batches - position, config.max_steps - step,
                            config.log_every_n - step % config.log_every_n,
                            config.save_every_n - step % config.save_every_n)
                started = time.perf_counter()
                loss = self.steps.train(self.x_train, self.y_train, position, count)
                elapsed = time.perf_counter() - started
                step += count
                self.history.train_seconds += elapsed
                logs = {"loss": loss}
                if step % config.log_every_n == 0 or step == config.max_steps:
                    self._log(step, loss, elapsed / count)
                if step % config.save_every_n == 0 or step == config.max_steps:
                    logs.update(self._validate_and_save(step))
                if progress is not None:
                    progress.update(step, list(logs.items()))
                self.callbacks.on_train_batch_end(step, logs)
                if step % self.n_batches == 0:
                    self.callbacks.on_epoch_end(step // self.n_batches - 1, logs)
        except KeyboardInterrupt:
            if step > start_step and step != self.saved_step:
                logger.warning("Interrupted at step %d; saving a final checkpoint before stopping.", step)
                self._validate_and_save(step)
            raise
        self.callbacks.on_train_end({"loss": self.history.loss[-1]} if self.history.loss else None)

    def _log(self, step: int, loss: float, seconds_per_batch: float) -> None:
        chars_per_second = self.chars_per_batch / seconds_per_batch
        self.history.record_training(step, loss, seconds_per_batch, chars_per_second)
        logger.info("step %d/%d  loss %.4f  %.4f s/batch  %s chars/s", step, self.config.max_steps, loss,
                    seconds_per_batch, f"{chars_per_second:,.0f}")

    def _validate_and_save(self, step: int) -> dict[str, float]:
        logs = {}
        if self.validation is not None:
            val_loss = self.steps.evaluate(*self.validation)
            self.history.record_validation(step, val_loss)
            logs = {"val_loss": val_loss, "val_bpc": bits_per_character(val_loss)}
            logger.info("step %d  validation loss %.4f  (%.3f bits per character)", step, val_loss,
                        logs["val_bpc"])
        path = checkpoints.save_checkpoint(self.model, self.run_dir, step, keep=self.keep_checkpoints)
        self.history.save(self.run_dir / checkpoints.HISTORY_FILE)
        self.saved_step = step
        logger.info("saved %s", path)
        return logs
