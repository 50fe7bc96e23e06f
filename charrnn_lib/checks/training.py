"""Checks for lesson 6's look inside `cr.train`: the training step, the stateful pass, validation and loss units.

The references are in `charrnn_lib.lessons.training_loop`; tests prove that they log the losses `cr.train` logs.
Each check trains a toy char-RNN from a fixed seed, once with the learner's code and once with the reference,
and compares the losses to 1e-4; a wrong answer is matched against the plausible slips to name the fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.lessons.training_loop import (
    carried_states,
    loss_units,
    mean_cross_entropy,
    train_one_pass,
    train_step,
    validation_loss,
)
from charrnn_lib.model import build_char_rnn, reset_states

VOCAB_SIZE, NUM_SEQS, NUM_STEPS, N_BATCHES = 13, 3, 7, 4
LEARNING_RATE, TOLERANCE = 0.05, 1e-4
TIGHT_CLIP, LOOSE_CLIP = 0.01, 100.0  # a clip every step hits (per-tensor and global clipping differ), one none does
LOSSES_IN_NATS = (math.log(78), 1.2858, 0.0, 2.5)  # an untrained Anna model, the pretrained one, a perfect one, …


def toy_model(keep_prob: float = 1.0, seed: int = 0) -> tuple[keras.Model, keras.optimizers.Optimizer]:
    """A two-layer stateful LSTM of 8 units on 13 characters, the same weights for the same seed, and its Adam."""
    keras.utils.set_random_seed(seed)
    model = build_char_rnn(VOCAB_SIZE, lstm_size=8, num_layers=2, keep_prob=keep_prob, batch_size=NUM_SEQS)
    return model, keras.optimizers.Adam(LEARNING_RATE)


def toy_batches(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four batches `(N_BATCHES, NUM_SEQS, NUM_STEPS)` of a random id stream, cut as `make_batches` cuts text."""
    stream = np.random.default_rng(seed).integers(0, VOCAB_SIZE, N_BATCHES * NUM_SEQS * NUM_STEPS + 1)
    rows = NUM_SEQS, N_BATCHES, NUM_STEPS  # each row one contiguous stream, as in sequential partitioning
    x = stream[:-1].reshape(rows).transpose(1, 0, 2).astype(np.int32)
    y = stream[1:].reshape(rows).transpose(1, 0, 2).astype(np.int32)
    return x, y


def _close_losses(expected: list[float], got: Any) -> bool:
    got = np.asarray(got, dtype=np.float64)
    return got.shape == (len(expected),) and bool(np.allclose(got, expected, rtol=0, atol=TOLERANCE))


# --- train_step ---------------------------------------------------------------------------------------------------

def _steps_with(step: Callable[..., Any]) -> Callable[[float], list[float]]:
    """`step` run on the toy batches in order from a fresh toy model: the loss of every step."""
    def train_steps(grad_clip):
        model, optimizer = toy_model()
        x, y = toy_batches()
        return [float(step(model, optimizer, x[k], y[k], grad_clip)) for k in range(N_BATCHES)]

    train_steps.__name__ = getattr(step, "__name__", "train_step")
    return train_steps


def check_train_step(learner_train_step: Callable[..., Any]) -> CheckResult:
    """`train_step(model, optimizer, x, y, grad_clip)`: the losses of four steps match the reference's to 1e-4."""
    cases = [Case(_steps_with(learner_train_step), (clip,), _steps_with(train_step)(clip))
             for clip in (LOOSE_CLIP, TIGHT_CLIP)]
    return run_check("train_step", cases, compare=_close_losses, hint=_train_step_hint)


def _step_with_slip(slip: str) -> Callable[..., float]:
    """`train_step` with one plausible mistake, to recognise it in a learner's losses."""
    def step(model, optimizer, x, y, grad_clip):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)  # (batch, time, vocab)
            if slip == "softmax twice":
                loss = mean_cross_entropy(y, tf.nn.softmax(logits))
            elif slip == "summed":
                loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            else:
                loss = mean_cross_entropy(y, logits)
        gradients = tape.gradient(loss, model.trainable_variables)
        if slip == "per tensor":
            gradients = [tf.clip_by_norm(gradient, grad_clip) for gradient in gradients]
        elif slip != "no clipping":
            gradients, _ = tf.clip_by_global_norm(gradients, grad_clip)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return float(loss)

    return step


TRAIN_STEP_SLIPS = {
    "softmax twice": Hint(
        "The model returns logits: pass them to the loss with from_logits=True, without a softmax of your own "
        "(a softmax applied twice flattens the probabilities and the loss barely falls).",
        "模型输出的是 logits：直接用 from_logits=True 交给损失函数，不要自己再做 softmax"
        "（softmax 做两次会把概率压平，损失几乎不降）。"),
    "per tensor": Hint(
        "You clipped each tensor by its own norm; use tf.clip_by_global_norm, one factor for all gradients.",
        "你按各张量自己的范数分别裁剪了；请用 tf.clip_by_global_norm，所有梯度共用一个系数。"),
    "no clipping": Hint(
        "The gradients are not clipped: apply tf.clip_by_global_norm(gradients, grad_clip) before the update.",
        "梯度没有裁剪：更新之前先做 tf.clip_by_global_norm(gradients, grad_clip)。"),
    "summed": Hint(
        "The loss is summed over characters; take the mean (nats per character), as cr.train reports it.",
        "损失对所有字符求和了；应取平均（每字符的奈特数），与 cr.train 报告的一致。"),
}


def _train_step_hint(case: Case, got: Any) -> Hint | None:
    (grad_clip,) = case.args
    if not _close_losses(case.expected[:1], np.asarray(got)[:1]):  # the first loss comes before any update
        if _close_losses([case.expected[0] * NUM_SEQS * NUM_STEPS], np.asarray(got)[:1]):
            return TRAIN_STEP_SLIPS["summed"]
        if _close_losses(_steps_with(_step_with_slip("softmax twice"))(grad_clip)[:1], np.asarray(got)[:1]):
            return TRAIN_STEP_SLIPS["softmax twice"]
        return Hint("Even the first loss differs, before any update: compute the mean cross-entropy from the logits "
                    "of model(x, training=True) against y, and return it.",
                    "连第一步（更新之前）的损失都不同："
                    "请用 model(x, training=True) 的 logits 与 y 计算平均交叉熵并返回。")
    for slip in ("per tensor", "no clipping"):
        if _close_losses(_steps_with(_step_with_slip(slip))(grad_clip), got):
            return TRAIN_STEP_SLIPS[slip]
    return Hint("The first loss is right but later ones differ: take the gradients of the loss with respect to "
                "model.trainable_variables and apply them with optimizer.apply_gradients.",
                "第一步的损失正确，之后的不对："
                "请对 model.trainable_variables 求损失的梯度，再用 optimizer.apply_gradients 更新。")


# --- train_one_pass -----------------------------------------------------------------------------------------------

def _two_passes_with(one_pass: Callable[..., Any]) -> Callable[[float], list[float]]:
    """Two passes of `one_pass` over the toy batches from a fresh toy model: the losses of both, in order."""
    def train_one_pass(grad_clip):  # named as the learner's function, for the check's message
        model, optimizer = toy_model()
        x, y = toy_batches()
        return [float(loss) for _ in range(2) for loss in one_pass(model, optimizer, x, y, grad_clip)]

    train_one_pass.__name__ = getattr(one_pass, "__name__", "train_one_pass")
    return train_one_pass


def check_train_one_pass(learner_train_one_pass: Callable[..., Any]) -> CheckResult:
    """`train_one_pass(model, optimizer, x_batches, y_batches, grad_clip)`, run twice: the reference's losses."""
    expected = _two_passes_with(train_one_pass)(LOOSE_CLIP)
    cases = [Case(_two_passes_with(learner_train_one_pass), (LOOSE_CLIP,), expected)]
    return run_check("train_one_pass", cases, compare=_close_losses, hint=_one_pass_hint)


def _pass_with_slip(slip: str) -> Callable[..., list[float]]:
    def one_pass(model, optimizer, x_batches, y_batches, grad_clip):
        losses = []
        for x, y in zip(x_batches, y_batches, strict=True):
            if slip == "reset every batch":
                reset_states(model)
            losses.append(train_step(model, optimizer, x, y, grad_clip))
        return losses

    return one_pass


def _one_pass_hint(case: Case, got: Any) -> Hint | None:
    (grad_clip,) = case.args
    if _close_losses(_two_passes_with(_pass_with_slip("reset every batch"))(grad_clip), got):
        return Hint("You reset the state before every batch: row i of the next batch continues row i of this one, "
                    "so reset once, at the start of the pass.",
                    "你在每个批次之前都重置了状态：下一批的第 i 行接续这一批的第 i 行，所以只在一轮开始时重置一次。")
    if _close_losses(_two_passes_with(_pass_with_slip("never reset"))(grad_clip), got):
        return Hint("The state is never reset: at the start of a pass every row jumps back to the beginning of its "
                    "stream, so call cr.reset_states(model) before the first batch.",
                    "状态从未重置：新一轮开始时每一行都跳回它那条序列的开头，"
                    "所以要在第一个批次之前调用 cr.reset_states(model)。")
    return Hint("Call train_step on every batch in order and return the list of its losses, one per batch.",
                "请按顺序对每个批次调用 train_step，并返回损失列表，每个批次一个。")


# --- validation_loss ----------------------------------------------------------------------------------------------

def _validating_with(validate: Callable[..., Any]) -> Callable[[int], tuple[float, bool]]:
    """`validate` on a toy model with dropout whose state was carried through `carried_batches` batches first.

    Returns the loss and whether the carried state was left as it was.
    """
    def validation_loss(carried_batches):  # named as the learner's function, for the check's message
        model, _ = toy_model(keep_prob=0.5)
        x, y = toy_batches()
        for batch in x[:carried_batches]:
            model(batch, training=False)  # (num_seqs, num_steps, vocab_size); leaves a state to carry on from
        before = carried_states(model)
        loss = float(validate(model, x, y))
        kept = all(np.array_equal(old, new) for old, new in zip(before, carried_states(model), strict=True))
        return loss, kept

    validation_loss.__name__ = getattr(validate, "__name__", "validation_loss")
    return validation_loss


def check_validation_loss(learner_validation_loss: Callable[..., Any]) -> CheckResult:
    """`validation_loss(model, x_batches, y_batches)`: the reference's loss, and the carried state left alone."""
    cases = [Case(_validating_with(learner_validation_loss), (carried,), _validating_with(validation_loss)(carried))
             for carried in (2, 0)]
    return run_check("validation_loss", cases, compare=_same_validation, hint=_validation_hint)


def _same_validation(expected: tuple[float, bool], got: Any) -> bool:
    return (isinstance(got, tuple) and got[1] == expected[1]
            and bool(np.isclose(got[0], expected[0], rtol=0, atol=TOLERANCE)))


def _validation_hint(case: Case, got: Any) -> Hint | None:
    (carried,) = case.args
    loss, kept = got
    if not kept:
        return Hint("The carried training state changed: save it (carried_states) before validating and put it back "
                    "after (restore_states), so training continues where it was.",
                    "延续的训练状态被改变了：验证之前先保存它，验证之后再放回去，这样训练才能从原处继续。")
    model, _ = toy_model(keep_prob=0.5)
    x, y = toy_batches()
    for batch in x[:carried]:
        model(batch, training=False)
    unreset = float(np.mean([mean_cross_entropy(y_batch, model(x_batch, training=False))
                             for x_batch, y_batch in zip(x, y, strict=True)]))
    if carried and np.isclose(loss, unreset, rtol=0, atol=TOLERANCE):
        return Hint("Validation started from the carried training state: reset the state first (cr.reset_states), "
                    "so the validation streams start from zero as they do at the start of a pass.",
                    "验证是从延续的训练状态开始的：请先重置状态（cr.reset_states），让验证序列像一轮的开头那样从零开始。")
    return Hint("Call the model with training=False during validation: with training=True dropout stays on and the "
                "loss is noisy and too high.",
                "验证时请用 training=False 调用模型：用 training=True 时暂退法仍然开着，损失带噪声而且偏高。")


# --- loss units ---------------------------------------------------------------------------------------------------

def check_loss_units(learner_loss_units: Callable[[float], Any]) -> CheckResult:
    """`loss_units(loss_nats)`: `(bits per character, perplexity)` for a loss in nats per character."""
    cases = [Case(learner_loss_units, (loss,), loss_units(loss)) for loss in LOSSES_IN_NATS]
    return run_check("loss_units", cases, hint=_units_hint)


def _units_hint(case: Case, got: Any) -> Hint | None:
    (loss,) = case.args
    bits, perplexity = case.expected
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Hint("Return two numbers: (bits per character, perplexity).", "请返回两个数：(每字符比特数, 困惑度)。")
    got_bits, got_perplexity = got
    if values_equal(perplexity, got_bits) and values_equal(bits, got_perplexity):
        return Hint("The two numbers are swapped: bits per character first, then perplexity.",
                    "两个数的顺序反了：先是每字符比特数，再是困惑度。")
    if not values_equal(bits, got_bits):
        if values_equal(loss * math.log(2), got_bits):
            return Hint("nats → bits divides by ln 2 (one bit is ln 2 ≈ 0.693 nats), it does not multiply.",
                        "奈特换算成比特要除以 ln 2（1 比特 = ln 2 ≈ 0.693 奈特），而不是乘。")
        return Hint("Bits per character are the loss divided by math.log(2).", "每字符比特数是损失除以 math.log(2)。")
    if values_equal(2.0 ** loss, got_perplexity):
        return Hint("The loss is in nats, so perplexity is e ** loss (math.exp), or equally 2 ** bits.",
                    "损失以奈特为单位，所以困惑度是 e ** loss（math.exp），也等于 2 ** 比特数。")
    return Hint("Perplexity is math.exp(loss): the number of equally likely characters the model hesitates between.",
                "困惑度是 math.exp(loss)：模型犹豫不决的、等可能的字符个数。")
