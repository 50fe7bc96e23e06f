"""Training: truncated backpropagation through time on a stateful model, with `model.fit`, Adam and clipping.

Each batch row continues the same stream of text as in the previous batch, so the hidden state is carried
from batch to batch and reset only at the start of each pass over the corpus (one Keras epoch). Short
callbacks do the bookkeeping `fit` does not: the reset, the loss log, validation and checkpoints, the stop at
`max_steps`. `steps_per_execution` runs several steps per compiled call, so Python is not on the hot path.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import keras

from charrnn_lib import checkpoints, native
from charrnn_lib.batches import count_batches, make_dataset, require_one_batch, split_train_validation
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError
from charrnn_lib.history import TrainingHistory
from charrnn_lib.lock import hold_run_folder
from charrnn_lib.model import build_model, fresh_state, reset_states, set_output_bias_to_unigram
from charrnn_lib.text import TextConverter

logger = logging.getLogger("charrnn")
STEPS_PER_EXECUTION = 10  # the most steps per compiled call; callbacks see every n-th batch, as Keras documents
_MOST_PASS_TRIMMED = 0.02  # the share of a pass's batches the trainer may drop so that calls never straddle passes


@keras.saving.register_keras_serializable(package="charrnn")
class SoftmaxCrossEntropy(keras.losses.Loss):
    """Softmax cross-entropy from logits in nats per character, as log-sum-exp of the logits minus the target's.

    The same value as `SparseCategoricalCrossentropy(from_logits=True)`, but with 3,500 classes it ran forward
    and backward in half the time of TF's fused CPU kernel (benchmarks/RESULTS.md).
    """

    def __init__(self, name: str = "softmax_cross_entropy", **kwargs) -> None:
        super().__init__(name=name, **kwargs)

    def call(self, y_true, y_pred):
        targets = keras.ops.cast(y_true, "int32")  # (batch, time); Keras hands targets over as floats
        target_logits = native.ops().target_logits(y_pred, targets)  # (batch, time)
        return keras.ops.logsumexp(y_pred, axis=-1) - target_logits  # (batch, time) nats


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """What `train` hands `on_validation` after each validation, once that step's checkpoint and history are saved."""

    step: int
    val_loss: float  # nats per character, from a fresh state
    model: keras.Model  # the training model, holding the weights just saved
    checkpoint: Path
    history: TrainingHistory


@dataclasses.dataclass
class TrainingRun:
    """What `train` returns: the trained model (at `num_seqs`), its vocabulary, config, history and folder."""

    model: keras.Model
    converter: TextConverter
    config: TrainConfig
    history: TrainingHistory
    run_dir: Path


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
    steps_per_execution: int = STEPS_PER_EXECUTION,
    on_validation: Callable[[ValidationReport], bool | None] | None = None,
) -> TrainingRun:
    """Train a char-RNN on `text` with `model.fit`; checkpoints, vocabulary, config and history go to `run_dir`.

    `run_dir` defaults to `model/<config.name>`. With `resume`, an existing checkpoint there is loaded and
    training continues from its step, mid-pass. `verbose=1` shows Keras' progress bar (one per pass); log lines
    go to the `charrnn` logger every `log_every_n` steps either way. Ctrl-C saves a final checkpoint, then
    re-raises. Your `callbacks` run after the library's, so their batch logs hold `val_loss` at a save step.
    The run folder is locked while training: another process training into it stops at once with an error.

    `on_validation(report)` is called after each validation (every `save_every_n` steps and at the last) with the
    step, the loss, the model and the checkpoint just written: measure the model there, export or prune
    checkpoints, lower `report.model.optimizer.learning_rate`; return True to stop training at that step.

    Up to `steps_per_execution` steps run per compiled call (fewer where `log_every_n`, `save_every_n` or the
    pass length ask for it; Keras calls batch callbacks once per call, so pass 1 for every batch).
    `unroll` builds the training graph with the recurrent loop unrolled over `num_steps`: some seconds more to
    start, then faster steps for large LSTMs on CPU. Neither it nor `jit_compile` changes the weights, so a
    run may resume with either setting. XLA (`jit_compile`) is off by default: on CPU it trained no faster and
    cost 13-25 s of compilation; on a GPU it would keep Keras from the cuDNN kernel.

    `config.devices > 1` (JAX only) splits each batch's rows across that many devices, each keeping the state of
    its rows (`native`); the weights, the losses and the checkpoints are those of one device up to rounding.
    """
    run_dir = Path(run_dir) if run_dir is not None else Path("model") / config.name
    # `devices > 1`: the model is built, restored and trained with each batch's rows split across the devices.
    with native.ops().data_parallel(config.devices), hold_run_folder(run_dir):  # one process per run folder
        if config.seed is not None:
            keras.utils.set_random_seed(config.seed)
        previous = checkpoints.latest_checkpoint(run_dir) if resume else None
        converter = _converter_for(text, config, run_dir, previous)
        layout = config.layout
        ids = converter.encode(text, converter.compact_dtype)  # the corpus held once, 1-2 bytes per character
        train_ids, validation_ids = split_train_validation(ids, layout.validation_fraction)
        n_batches = require_one_batch(len(train_ids), layout.num_seqs, layout.num_steps)
        validation = None
        if count_batches(len(validation_ids), layout.num_seqs, layout.num_steps) > 0:
            validation = make_dataset(validation_ids, layout.num_seqs, layout.num_steps)
        elif layout.validation_fraction > 0:
            logger.warning("Validation tail (%d chars) is shorter than one batch; no validation loss will be reported.",
                           len(validation_ids))

        if unroll and native.ops().gpu_visible():
            logger.warning("unroll=True keeps the LSTM off the fused cuDNN kernel, which is faster on a GPU; "
                           "train without it there.")
        model = build_model(config.architecture, converter.vocab_size, layout.num_seqs,
                            keep_prob=config.train_keep_prob, unroll_steps=layout.num_steps if unroll else None)
        if config.unigram_output_bias and previous is None:
            set_output_bias_to_unigram(model, train_ids)  # a resumed run keeps its trained bias
        start = checkpoints.checkpoint_step(previous) if previous is not None else 0
        per_call = steps_per_call(config, n_batches, start, steps_per_execution)
        pass_length = n_batches - n_batches % per_call  # whole calls per pass, so a call never straddles two passes
        compile_for_training(model, config, steps_per_execution=per_call, jit_compile=jit_compile)
        history = TrainingHistory()
        if previous is not None:
            checkpoints.load_weights(model, previous)  # the weights and the optimizer's state and step count
            history = TrainingHistory.load(run_dir / checkpoints.HISTORY_FILE)
        elif (aside := checkpoints.set_aside_previous_run(run_dir)) is not None:
            logger.warning("Starting over in %s: the earlier run's checkpoints and history moved to %s.", run_dir,
                           aside)
        config.save(run_dir / checkpoints.CONFIG_FILE, vocab_size=converter.vocab_size)
        converter.save(run_dir / checkpoints.CONVERTER_FILE)

        validate = Validation(model, validation) if validation is not None else None
        saver = ValidateAndSave(run_dir, history, config, validate, keep_checkpoints, on_validation)
        bookkeeping = [ResetAtPassStart(pass_length), RecordTrainingLoss(history, config), saver,
                       StopAtMaxSteps(config.max_steps), StepsProgressBar(config.max_steps)]
        logger.info("Training %s: %d batches of %d×%d per pass, %d per call, steps %d→%d", run_dir, pass_length,
                    layout.num_seqs, layout.num_steps, per_call, start, config.max_steps)
        if start < config.max_steps:
            try:
                model.fit(make_dataset(train_ids, layout.num_seqs, layout.num_steps, n_batches=pass_length, start=start,
                                       stop=config.max_steps),
                          epochs=math.ceil(config.max_steps / pass_length), initial_epoch=start // pass_length,
                          steps_per_epoch=pass_length, callbacks=[*bookkeeping, *(callbacks or [])], verbose=verbose,
                          shuffle=False)
            except KeyboardInterrupt:
                step = int(model.optimizer.iterations)
                if step > start and step != saver.saved_step:
                    logger.warning("Interrupted at step %d; saving a final checkpoint before stopping.", step)
                    saver.save(model, step)
                raise
        return TrainingRun(model, converter, config, history, run_dir)


def compile_for_training(model: keras.Model, config: TrainConfig, *, steps_per_execution: int = 1,
                         jit_compile: bool = False) -> None:
    """Adam clipped by global norm (`grad_clip`) and the softmax cross-entropy, as `train` uses them.

    `jit_compile` asks TensorFlow for XLA; on JAX the steps are always XLA-compiled (without it they run eagerly).
    """
    jit_compile = jit_compile or native.ops().eager_without_jit  # on JAX, XLA is how steps are compiled at all
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, global_clipnorm=config.grad_clip),
                  loss=SoftmaxCrossEntropy(), steps_per_execution=steps_per_execution, jit_compile=jit_compile)
    model.optimizer.build(model.trainable_variables)


def steps_per_call(config: TrainConfig, n_batches: int, start_step: int, most: int = STEPS_PER_EXECUTION) -> int:
    """The most steps per compiled call (≤ `most`) that land on every log, save and stop step and on pass starts.

    A pass may lose its last few batches (at most 2 %) so that it holds a whole number of calls. On PyTorch,
    Keras runs one step per call.
    """
    aligned = math.gcd(config.log_every_n, config.save_every_n, config.max_steps, start_step)
    most = min(most, native.ops().most_steps_per_execution)
    return max(size for size in range(1, min(aligned, most, n_batches) + 1)
               if aligned % size == 0 and n_batches % size <= n_batches * _MOST_PASS_TRIMMED)


def _converter_for(text: str, config: TrainConfig, run_dir: Path, previous: Path | None) -> TextConverter:
    """A new vocabulary for a new run; the saved one (and the same architecture and batch layout) when resuming."""
    if previous is None:
        return TextConverter.from_text(text, config.architecture.max_vocab)
    saved_config, converter = checkpoints.load_run(run_dir)
    saved, now = (dataclasses.asdict(each.architecture) | dataclasses.asdict(each.layout)
                  for each in (saved_config, config))
    if saved != now:
        details = ", ".join(f"{knob}: saved {saved[knob]!r} vs now {now[knob]!r}" for knob in saved
                            if saved[knob] != now[knob])
        raise CheckpointError(
            f"Cannot resume {run_dir}: {details}. Use the saved values, another --name, or resume=False.",
            f"无法继续训练 {run_dir}：{details}。请使用保存时的取值、换一个 --name，或设 resume=False。",
        )
    return converter


class Validation:
    """The mean loss over the validation batches from a fresh state, leaving the carried training state as it was."""

    def __init__(self, model: keras.Model, batches) -> None:
        self.model, self.batches = model, batches  # batches: what make_dataset gives
        self._mean_loss = native.ops().mean_loss(model)  # one compiled loop over the batches

    def __call__(self) -> float:
        with fresh_state(self.model):
            return self._mean_loss(self.batches)


class ResetAtPassStart(keras.callbacks.Callback):
    """Zero the hidden state whenever a call starts a new pass: every stream begins again at its start."""

    def __init__(self, pass_length: int) -> None:
        super().__init__()
        self.pass_length = pass_length

    def on_train_batch_begin(self, batch, logs=None):
        if int(self.model.optimizer.iterations) % self.pass_length == 0:
            reset_states(self.model)


class RecordTrainingLoss(keras.callbacks.Callback):
    """Every `log_every_n` steps: the mean loss of those steps and the speed, into the history and the log.

    Keras reports the running mean of the epoch: times the epoch's steps, that is the sum of its step losses,
    and the growth of that sum since the last call is what the last call's steps lost.
    """

    def __init__(self, history: TrainingHistory, config: TrainConfig) -> None:
        super().__init__()
        self.history, self.config = history, config
        self.chars_per_batch = config.layout.chars_per_batch

    def on_train_begin(self, logs=None):
        self.last_step = int(self.model.optimizer.iterations)
        self.window_loss, self.window_steps, self.window_seconds = 0.0, 0, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start, self.epoch_loss = int(self.model.optimizer.iterations), 0.0

    def on_train_batch_begin(self, batch, logs=None):
        self.call_started = time.perf_counter()  # the speed counts the compiled calls, not validation and saving

    def on_train_batch_end(self, batch, logs=None):
        self.window_seconds += time.perf_counter() - self.call_started
        step = int(self.model.optimizer.iterations)
        epoch_loss = logs["loss"] * (step - self.epoch_start)
        self.window_loss += epoch_loss - self.epoch_loss
        self.window_steps += step - self.last_step
        self.epoch_loss, self.last_step = epoch_loss, step
        if step % self.config.log_every_n == 0 or step == self.config.max_steps:
            loss, per_batch = self.window_loss / self.window_steps, self.window_seconds / self.window_steps
            self.history.record_training(step, loss, per_batch, self.chars_per_batch / per_batch)
            self.history.train_seconds += self.window_seconds
            logger.info("step %d/%d  loss %.4f  %.4f s/batch  %s chars/s", step, self.config.max_steps, loss,
                        per_batch, f"{self.chars_per_batch / per_batch:,.0f}")
            self.window_loss, self.window_steps, self.window_seconds = 0.0, 0, 0.0


class ValidateAndSave(keras.callbacks.Callback):
    """Every `save_every_n` steps and at the last: validation loss into the logs and history, then a checkpoint,
    then the caller's `on_validation`."""

    def __init__(self, run_dir: Path, history: TrainingHistory, config: TrainConfig, validation: Validation | None,
                 keep_checkpoints: int | None,
                 on_validation: Callable[[ValidationReport], bool | None] | None = None) -> None:
        super().__init__()
        self.run_dir, self.history, self.config = run_dir, history, config
        self.validation, self.keep_checkpoints, self.on_validation = validation, keep_checkpoints, on_validation
        self.saved_step = -1

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations)
        if step % self.config.save_every_n == 0 or step == self.config.max_steps:
            logs.update(self.save(self.model, step))
            if self.on_validation is not None and "val_loss" in logs:
                report = ValidationReport(step, logs["val_loss"], self.model, self.saved_path, self.history)
                if self.on_validation(report):
                    self.model.stop_training = True

    def save(self, model: keras.Model, step: int) -> dict[str, float]:
        """Validate (if there is a validation tail), then write the checkpoint and the history, each atomically."""
        logs = {}
        if self.validation is not None:
            val_loss = self.validation()
            self.history.record_validation(step, val_loss)
            logs = {"val_loss": val_loss, "val_bpc": self.history.val_bpc[-1],
                    "val_perplexity": self.history.val_perplexity[-1]}
            logger.info("step %d  validation loss %.4f  (%.3f bits per character, perplexity %.2f)", step, val_loss,
                        logs["val_bpc"], logs["val_perplexity"])
        path = checkpoints.save_checkpoint(model, self.run_dir, step, keep=self.keep_checkpoints)
        self.history.save(self.run_dir / checkpoints.HISTORY_FILE)
        self.saved_step, self.saved_path = step, path
        logger.info("saved %s", path)
        return logs


class StepsProgressBar(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, counting to the steps a pass will run rather than to a full pass `max_steps` cuts short.

    Keras' own bar targets `steps_per_epoch` and jumps to it when training stops early (105/295 → 295/295); `fit`
    uses this one instead of adding its own, silent under `verbose=0` as Keras' bar is.
    """

    def __init__(self, max_steps: int) -> None:
        super().__init__()
        self.max_steps = max_steps
        self.pass_length: int | None = None

    def set_params(self, params):
        super().set_params(params)
        self.pass_length = params["steps"]

    def on_epoch_begin(self, epoch, logs=None):
        self.target = min(self.pass_length, self.max_steps - int(self.model.optimizer.iterations))
        super().on_epoch_begin(epoch, logs)


class StopAtMaxSteps(keras.callbacks.Callback):
    """End `fit` once the optimizer has taken `max_steps` steps, wherever that falls in a pass."""

    def __init__(self, max_steps: int) -> None:
        super().__init__()
        self.max_steps = max_steps

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.optimizer.iterations) >= self.max_steps:
            self.model.stop_training = True
