"""Checks for lessons 3 and 4 (recurrent cells and backpropagation through time by hand), against
`charrnn_lib.lessons.scratch_rnn` and, where a case says so, Keras' own layers."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.lessons.scratch_rnn import (
    BLOCKS,
    CharRNNParameters,
    bptt_gradients,
    char_rnn_forward,
    gru_step,
    lstm_step,
    rnn_forward,
    rnn_parameter_count,
    rnn_step,
    sigmoid,
    simple_rnn_weights,
    tape_gradients,
)

# (batch or None for one unbatched vector, input_dim, units). The first case is square, so weights used the
# wrong way round give a wrong answer (with a hint) instead of a shape error.
RNN_STEP_SHAPES = ((None, 3, 3), (2, 3, 3), (4, 5, 2))
# (batch, time, input_dim, units)
RNN_FORWARD_SHAPES = ((2, 4, 3, 3), (1, 6, 2, 4))
KERAS_FORWARD_SHAPE = (3, 5, 4, 6)
LSTM_STEP_SHAPES = ((None, 2, 2), (3, 4, 2), (1, 3, 5))
GRU_STEP_SHAPES = ((None, 2, 2), (3, 4, 3))
KERAS_GRU_SHAPE = (2, 3, 4)  # (batch, input_dim, units) of the case answered by keras.layers.GRU itself
# (batch, time, vocab_size, units) of the tiny char-RNNs whose gradients check_bptt asks for; the last is checked
# against tf.GradientTape instead of the NumPy reference.
BPTT_SHAPES = ((1, 4, 5, 3), (3, 6, 7, 4), (2, 5, 6, 4))
GRADIENT_NAMES = CharRNNParameters._fields  # W_x, W_h, b, W_y, b_y
# (input_size, units): an embedding into a small layer, the course model's one-hot input, and the smallest layer.
PARAMETER_SIZES = ((8, 32), (83, 128), (1, 1))


def check_rnn_step(learner_rnn_step: Callable[..., Any]) -> CheckResult:
    """`rnn_step(x_t, h_prev, W_x, W_h, b)` → `tanh(x_t @ W_x + h_prev @ W_h + b)`, for one vector and batches."""
    cases = []
    for index, (batch, input_dim, units) in enumerate(RNN_STEP_SHAPES):
        rng = np.random.default_rng(index)
        lead = () if batch is None else (batch,)
        args = (rng.normal(size=(*lead, input_dim)), rng.uniform(-1, 1, size=(*lead, units)),
                *_rnn_weights(rng, input_dim, units))
        cases.append(Case(learner_rnn_step, args, rnn_step(*args)))
    return run_check("rnn_step", cases, hint=_rnn_step_hint)


def _rnn_weights(rng: np.random.Generator, input_dim: int, units: int) -> tuple[np.ndarray, ...]:
    """Random `W_x` (input_dim, units), `W_h` (units, units) and a clearly non-zero `b` (units,)."""
    return (rng.normal(scale=0.6, size=(input_dim, units)), rng.normal(scale=0.6, size=(units, units)),
            rng.normal(scale=0.6, size=units))


def _rnn_step_hint(case: Case, got: Any) -> Hint | None:
    x_t, h_prev, W_x, W_h, b = case.args
    got = np.asarray(got)
    if got.shape != case.expected.shape:
        return Hint(f"The new hidden state has one value per unit: shape {case.expected.shape}.",
                    f"新的隐状态每个单元一个值：形状应为 {case.expected.shape}。")
    mistakes = (
        (lambda: np.tanh(x_t @ W_h + h_prev @ W_x + b),
         Hint("W_x and W_h are swapped: W_x multiplies the input x_t, W_h the previous hidden state h_prev.",
              "W_x 和 W_h 用反了：W_x 乘输入 x_t，W_h 乘上一步的隐状态 h_prev。")),
        (lambda: np.tanh(x_t @ W_x.T + h_prev @ W_h.T + b),
         Hint("Keras' layout puts the input first: write x_t @ W_x (W_x has shape (input_dim, units)), "
              "not W_x @ x_t.",
              "Keras 的布局是输入在前：写 x_t @ W_x（W_x 的形状为 (input_dim, units)），而不是 W_x @ x_t。")),
        (lambda: np.tanh(x_t @ W_x + h_prev @ W_h.T + b),
         Hint("W_h is used transposed: Keras' recurrent_kernel is already laid out for h_prev @ W_h "
              "(row = unit of h_prev, column = unit of h_t), so write h_prev @ W_h, without .T.",
              "W_h 被转置了：Keras 的 recurrent_kernel 本来就是为 h_prev @ W_h 排好的"
              "（行对应 h_prev 的单元，列对应 h_t 的单元），所以写 h_prev @ W_h，不要加 .T。")),
        (lambda: np.tanh(x_t @ W_x.T + h_prev @ W_h + b),
         Hint("W_x is used transposed: Keras' kernel has shape (input_dim, units) for x_t @ W_x, so write "
              "x_t @ W_x, without .T.",
              "W_x 被转置了：Keras 的 kernel 形状为 (input_dim, units)，正好用于 x_t @ W_x，"
              "所以写 x_t @ W_x，不要加 .T。")),
        (lambda: np.tanh(x_t @ W_x + h_prev @ W_h),
         Hint("The bias b is missing: add it before the tanh.", "缺少偏置 b：在 tanh 之前加上它。")),
        (lambda: x_t @ W_x + h_prev @ W_h + b,
         Hint("The tanh is missing: squash the sum with np.tanh.", "缺少 tanh：请用 np.tanh 压缩这个和。")),
        (lambda: np.tanh(x_t @ W_x + b),
         Hint("The previous hidden state is ignored: add h_prev @ W_h, the recurrence itself.",
              "没有用到上一步的隐状态：请加上 h_prev @ W_h，这正是“循环”所在。")),
    )
    return _matching_hint(got, mistakes)


def check_rnn_forward(learner_rnn_forward: Callable[..., Any]) -> CheckResult:
    """`rnn_forward(xs, h0, W_x, W_h, b)` → every hidden state `(batch, time, units)`, the same as Keras' SimpleRNN."""
    cases = []
    for index, (batch, time, input_dim, units) in enumerate(RNN_FORWARD_SHAPES):
        rng = np.random.default_rng(10 + index)
        args = (rng.normal(size=(batch, time, input_dim)), rng.uniform(-1, 1, size=(batch, units)),
                *_rnn_weights(rng, input_dim, units))
        cases.append(Case(learner_rnn_forward, args, rnn_forward(*args)))
    cases.append(_keras_simple_rnn_case(learner_rnn_forward))
    return run_check("rnn_forward", cases, hint=_rnn_forward_hint)


def _keras_simple_rnn_case(learner_rnn_forward: Callable[..., Any]) -> Case:
    """A case whose expected answer is what `keras.layers.SimpleRNN` itself returns for the same weights."""
    batch, time, input_dim, units = KERAS_FORWARD_SHAPE
    rng = np.random.default_rng(20)
    xs = rng.normal(size=(batch, time, input_dim)).astype("float32")
    h0 = rng.uniform(-1, 1, size=(batch, units)).astype("float32")
    # Seeded initialisers, so the check draws nothing from (and changes nothing in) the lesson's random state.
    layer = keras.layers.SimpleRNN(units, return_sequences=True,
                                   kernel_initializer=keras.initializers.GlorotUniform(seed=1),
                                   recurrent_initializer=keras.initializers.Orthogonal(seed=2),
                                   bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=3))
    expected = keras.ops.convert_to_numpy(layer(xs, initial_state=[h0]))  # (batch, time, units)
    return Case(learner_rnn_forward, (xs, h0, *simple_rnn_weights(layer)), expected)


def _rnn_forward_hint(case: Case, got: Any) -> Hint | None:
    xs, h0, W_x, W_h, b = case.args
    expected = case.expected
    got = np.asarray(got)
    if got.shape == expected.shape[::2]:
        return Hint("Return every hidden state, shape (batch, time, units), not only the last one.",
                    "请返回每一步的隐状态，形状为 (batch, time, units)，而不只是最后一个。")
    if got.shape == (expected.shape[1], expected.shape[0], expected.shape[2]):
        return Hint("Stack the states along axis 1 (time), so the shape is (batch, time, units).",
                    "请沿第 1 轴（时间）堆叠隐状态，使形状为 (batch, time, units)。")
    if got.shape == (expected.shape[0], expected.shape[1] + 1, expected.shape[2]):
        return Hint("Leave out h0: return one state per input step.", "不要包含 h0：每个输入时间步对应一个隐状态。")
    if got.shape != expected.shape:
        return Hint(f"Expected shape (batch, time, units) = {expected.shape}.",
                    f"期望的形状为 (batch, time, units) = {expected.shape}。")
    mistakes = (
        (lambda: np.stack([rnn_step(xs[:, t], h0, W_x, W_h, b) for t in range(xs.shape[1])], axis=1),
         Hint("Carry the state: feed each step's new hidden state into the next step instead of h0.",
              "要传递隐状态：把每一步得到的新隐状态送入下一步，而不是每步都用 h0。")),
        (lambda: rnn_forward(xs, np.zeros_like(h0), W_x, W_h, b),
         Hint("Start from the given h0, not from zeros.", "请从给定的 h0 开始，而不是从零开始。")),
        (lambda: rnn_forward(xs[:, ::-1], h0, W_x, W_h, b)[:, ::-1],
         Hint("Go forward in time: t = 0, 1, …, time - 1.", "请按时间正向计算：t = 0, 1, …, time - 1。")),
    )
    return _matching_hint(got, mistakes)


def check_lstm_step(learner_lstm_step: Callable[..., Any]) -> CheckResult:
    """`lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)` → `(h_t, c_t)`, gates in Keras' order."""
    cases = []
    for index, (batch, input_dim, units) in enumerate(LSTM_STEP_SHAPES):
        rng = np.random.default_rng(30 + index)
        lead = () if batch is None else (batch,)
        args = (rng.normal(size=(*lead, input_dim)), rng.uniform(-1, 1, size=(*lead, units)),
                rng.normal(size=(*lead, units)), rng.normal(scale=0.8, size=(input_dim, 4 * units)),
                rng.normal(scale=0.8, size=(units, 4 * units)), rng.normal(scale=0.8, size=4 * units))
        cases.append(Case(learner_lstm_step, args, lstm_step(*args)))
    return run_check("lstm_step", cases, hint=_lstm_step_hint)


def _lstm_step_hint(case: Case, got: Any) -> Hint | None:
    x_t, h_prev, c_prev, kernel, recurrent_kernel, bias = case.args
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return Hint("Return two arrays, the new hidden state and the new cell state: (h_t, c_t).",
                    "请返回两个数组，即新的隐状态和新的记忆元：(h_t, c_t)。")
    h_t, c_t = (np.asarray(value) for value in got)
    expected_h, expected_c = case.expected
    if values_equal(expected_c, h_t) and values_equal(expected_h, c_t):
        return Hint("The order is (h_t, c_t): hidden state first, cell state second.",
                    "顺序是 (h_t, c_t)：先隐状态，后记忆元。")
    blocks = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)  # z_i, z_f, z_c, z_o
    input_z, forget_z, candidate_z, output_z = blocks
    if values_equal(expected_c, c_t):
        if values_equal(sigmoid(output_z) * c_t, h_t):
            return Hint("h_t = o_t ⊙ tanh(c_t): squash the cell state with tanh before the output gate.",
                        "h_t = o_t ⊙ tanh(c_t)：先用 tanh 压缩记忆元，再乘输出门。")
        return None
    if any(values_equal(_cell_state(blocks, order, c_prev), c_t) for order in itertools.permutations(range(4))):
        return Hint("Keras stores the four blocks in the order input, forget, candidate, output (i, f, c̃, o): "
                    "split z = x_t @ kernel + h_prev @ recurrent_kernel + bias in that order.",
                    "Keras 按输入门、遗忘门、候选记忆元、输出门（i, f, c̃, o）的顺序存放四块："
                    "请按此顺序切分 z = x_t @ kernel + h_prev @ recurrent_kernel + bias。")
    mistakes = (
        (lambda: sigmoid(forget_z + 1.0) * c_prev + sigmoid(input_z) * np.tanh(candidate_z),
         Hint("Don't add 1 to the forget gate: Keras already put that into the bias when it initialised it.",
              "不要给遗忘门再加 1：Keras 在初始化时已经把它加进偏置里了。")),
        (lambda: sigmoid(forget_z) * c_prev + sigmoid(input_z) * sigmoid(candidate_z),
         Hint("The candidate c̃_t uses tanh, not sigmoid: only the gates use sigmoid.",
              "候选记忆元 c̃_t 用 tanh 而不是 sigmoid：只有门使用 sigmoid。")),
    )
    return _matching_hint(c_t, mistakes)


def check_gru_step(learner_gru_step: Callable[..., Any]) -> CheckResult:
    """`gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)` → `h_t`, as Keras' GRU computes it by default.

    The last case's answer is what `keras.layers.GRU` itself returns for one step with the same weights.
    """
    cases = []
    for index, (batch, input_dim, units) in enumerate(GRU_STEP_SHAPES):
        rng = np.random.default_rng(50 + index)
        lead = () if batch is None else (batch,)
        args = (rng.normal(size=(*lead, input_dim)), rng.uniform(-1, 1, size=(*lead, units)),
                *_gru_weights(rng, input_dim, units))
        cases.append(Case(learner_gru_step, args, gru_step(*args)))
    cases.append(_keras_gru_case(learner_gru_step))
    return run_check("gru_step", cases, hint=_gru_step_hint)


def _gru_weights(rng: np.random.Generator, input_dim: int, units: int) -> tuple[np.ndarray, ...]:
    """A kernel, a recurrent kernel and two clearly different bias rows, large enough that every gate bends."""
    return (rng.normal(scale=0.9, size=(input_dim, 3 * units)), rng.normal(scale=0.9, size=(units, 3 * units)),
            rng.normal(scale=0.9, size=(2, 3 * units)))


def _keras_gru_case(learner_gru_step: Callable[..., Any]) -> Case:
    """A case whose expected answer is one step of `keras.layers.GRU` (reset_after=True) from a given state."""
    batch, input_dim, units = KERAS_GRU_SHAPE
    rng = np.random.default_rng(60)
    x_t = rng.normal(size=(batch, input_dim)).astype("float32")
    h_prev = rng.uniform(-1, 1, size=(batch, units)).astype("float32")
    layer = keras.layers.GRU(units, kernel_initializer=keras.initializers.GlorotUniform(seed=1),
                             recurrent_initializer=keras.initializers.Orthogonal(seed=2),
                             bias_initializer=keras.initializers.RandomNormal(stddev=0.5, seed=3))
    expected = keras.ops.convert_to_numpy(layer(x_t[:, None], initial_state=[h_prev]))  # (batch, units)
    return Case(learner_gru_step, (x_t, h_prev, *layer.get_weights()), expected)


def _gru_variant(x_t: np.ndarray, h_prev: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
                 bias: np.ndarray, *, order: tuple[int, int, int] = (0, 1, 2), keep_candidate: bool = False,
                 reset_before: bool = False, squash: Callable[[np.ndarray], np.ndarray] = np.tanh,
                 one_bias: bool = False) -> np.ndarray:
    """`gru_step` with one of the slips a learner can make (blocks read in another order, z and 1 − z swapped,
    the reset gate applied to h_prev before the matrix product, another squashing, only the first bias row)."""
    input_bias, recurrent_bias = bias[0], np.zeros_like(bias[1]) if one_bias else bias[1]
    x_blocks = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    h_blocks = np.split(h_prev @ recurrent_kernel + recurrent_bias, 3, axis=-1)
    (x_z, x_r, x_h), (h_z, h_r, h_h) = ([blocks[position] for position in order] for blocks in (x_blocks, h_blocks))
    update, reset = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
    if reset_before:  # Keras' reset_after=False: the candidate's recurrent product reads r ⊙ h_prev
        candidate_kernel = np.split(recurrent_kernel, 3, axis=-1)[order[2]]
        candidate = squash(x_h + (reset * h_prev) @ candidate_kernel + np.split(recurrent_bias, 3, axis=-1)[order[2]])
    else:
        candidate = squash(x_h + reset * h_h)
    if keep_candidate:
        return (1 - update) * h_prev + update * candidate
    return update * h_prev + (1 - update) * candidate


def _gru_step_hint(case: Case, got: Any) -> Hint | None:
    got = np.asarray(got)
    if got.shape != np.shape(case.expected):
        return Hint(f"Return only the new hidden state h_t, shape {np.shape(case.expected)}: a GRU has no cell "
                    "state.",
                    f"只返回新的隐状态 h_t，形状为 {np.shape(case.expected)}：GRU 没有记忆元。")
    args = tuple(np.asarray(arg, dtype=np.float64) for arg in case.args)
    slips = (
        ({"keep_candidate": True},
         Hint("z and 1 − z are swapped: in Keras the update gate keeps the old state, "
              "h_t = z ⊙ h_prev + (1 − z) ⊙ h̃_t.",
              "z 和 1 − z 用反了：在 Keras 中更新门保留旧状态，h_t = z ⊙ h_prev + (1 − z) ⊙ h̃_t。")),
        ({"reset_before": True},
         Hint("The reset gate comes after the matrix product in Keras' default GRU (reset_after=True): "
              "r ⊙ (h_prev @ U_h + b_h), not (r ⊙ h_prev) @ U_h.",
              "在 Keras 默认的 GRU（reset_after=True）中，重置门作用在矩阵乘积之后："
              "r ⊙ (h_prev @ U_h + b_h)，而不是 (r ⊙ h_prev) @ U_h。")),
        ({"squash": lambda z: z},
         Hint("The tanh is missing: the candidate is h̃_t = tanh(x-part + r ⊙ h-part).",
              "缺少 tanh：候选隐状态是 h̃_t = tanh(输入部分 + r ⊙ 循环部分)。")),
        ({"squash": sigmoid},
         Hint("The candidate uses tanh, not sigmoid: only the two gates use sigmoid.",
              "候选隐状态用 tanh 而不是 sigmoid：只有两个门使用 sigmoid。")),
        ({"one_bias": True},
         Hint("Keras' GRU has two bias rows: add bias[0] to x_t @ kernel and bias[1] to h_prev @ recurrent_kernel.",
              "Keras 的 GRU 有两行偏置：bias[0] 加在 x_t @ kernel 上，bias[1] 加在 h_prev @ recurrent_kernel 上。")),
        ({"order": (1, 0, 2)},
         Hint("Keras stores the blocks in the order update, reset, candidate (z, r, h̃): split into 3 in that order.",
              "Keras 按更新门、重置门、候选隐状态（z, r, h̃）的顺序存放三块：请按此顺序切成 3 块。")),
    )
    for slip, hint in slips:
        if values_equal(_gru_variant(*args, **slip), got):
            return hint
    return None


def _cell_state(blocks: list[np.ndarray], order: tuple[int, ...], c_prev: np.ndarray) -> np.ndarray:
    """c_t when the blocks are read as (input, forget, candidate, output) in the given order."""
    input_z, forget_z, candidate_z, _ = (blocks[position] for position in order)
    return sigmoid(forget_z) * c_prev + sigmoid(input_z) * np.tanh(candidate_z)


def check_bptt(learner_bptt_gradients: Callable[..., Any]) -> CheckResult:
    """`bptt_gradients(xs, targets, h0, W_x, W_h, b, W_y, b_y)` → `(dW_x, dW_h, db, dW_y, db_y)` of the mean
    cross-entropy; the last case's answer is what tf.GradientTape finds for Keras layers holding the same weights."""
    cases = []
    for index, shape in enumerate(BPTT_SHAPES):
        args = _char_rnn_problem(np.random.default_rng(40 + index), *shape)
        last = index == len(BPTT_SHAPES) - 1
        cases.append(Case(learner_bptt_gradients, args, (tape_gradients if last else bptt_gradients)(*args)))
    return run_check("bptt_gradients", cases, compare=_same_gradients, hint=_bptt_hint)


def _char_rnn_problem(rng: np.random.Generator, batch: int, time: int, vocab_size: int,
                      units: int) -> tuple[np.ndarray, ...]:
    """One-hot inputs, target ids, a non-zero h0 and weights large enough that tanh bends and every slip shows."""
    ids = rng.integers(0, vocab_size, size=(batch, time + 1))
    xs = np.eye(vocab_size)[ids[:, :-1]]  # (batch, time, vocab_size)
    weights = (rng.normal(scale=0.8, size=shape) for shape in
               ((vocab_size, units), (units, units), (units,), (units, vocab_size), (vocab_size,)))
    return (xs, ids[:, 1:], rng.uniform(-1, 1, size=(batch, units)), *weights)


def _same_gradients(expected: CharRNNParameters, got: Any) -> bool:
    return isinstance(got, (tuple, list)) and values_equal(tuple(expected), tuple(got))


def _bptt_hint(case: Case, got: Any) -> Hint | None:
    if not isinstance(got, (tuple, list)) or len(got) != len(GRADIENT_NAMES):
        return Hint("Return five gradients in the order of the parameters: (dW_x, dW_h, db, dW_y, db_y).",
                    "请按参数的顺序返回五个梯度：(dW_x, dW_h, db, dW_y, db_y)。")
    got = [np.asarray(gradient) for gradient in got]
    for name, expected, gradient in zip(GRADIENT_NAMES, case.expected, got, strict=True):
        if gradient.shape != expected.shape:
            return Hint(f"d{name} must have the shape of {name}, {expected.shape}; got {gradient.shape}.",
                        f"d{name} 的形状必须与 {name} 相同，即 {expected.shape}；实际为 {gradient.shape}。")
    first_wrong = next((index for index, (expected, gradient) in enumerate(zip(case.expected, got, strict=True))
                        if not values_equal(expected, gradient)), None)
    if first_wrong is None:
        return None
    name = GRADIENT_NAMES[first_wrong]
    where = Hint(f"d{name} is the first gradient that differs.", f"第一个出错的梯度是 d{name}。")
    if first_wrong >= 3:
        advice = Hint("dW_y and db_y come from the lines given above the exercise: keep them as they are.",
                      "dW_y 和 db_y 由练习上方给出的代码算出：请保持原样。")
    else:
        advice = _recurrent_slip(case.args, got, first_wrong)
    return Hint(f"{where.english} {advice.english}" if advice else where.english,
                f"{where.chinese}{advice.chinese}" if advice else where.chinese)


def _recurrent_slip(args: tuple[np.ndarray, ...], got: list[np.ndarray], wrong: int) -> Hint | None:
    """Advice when (dW_x, dW_h, db) match a known slip of the backward loop."""
    slips = (
        ({"carry": False},
         Hint("Carry the gradient back in time: h_t also feeds h_{t+1}, so dh = dlogits[:, t] @ W_y.T + dh_next, "
              "with dh_next = dz @ W_h.T from the step after.",
              "要把梯度沿时间传回去：h_t 还会进入 h_{t+1}，所以 dh = dlogits[:, t] @ W_y.T + dh_next，"
              "其中 dh_next = dz @ W_h.T 来自后一个时间步。")),
        ({"derivative": lambda h: h},
         Hint("The derivative of tanh is not tanh: d tanh(z)/dz = 1 − tanh(z)² = 1 − h_t², so dz = dh * (1 - h_t**2).",
              "tanh 的导数不是 tanh 本身：d tanh(z)/dz = 1 − tanh(z)² = 1 − h_t²，所以 dz = dh * (1 - h_t**2)。")),
        ({"derivative": lambda h: 1.0 - np.tanh(h) ** 2},
         Hint("h_t is already tanh(z_t): the derivative is 1 − h_t², not 1 − tanh(h_t)².",
              "h_t 已经是 tanh(z_t)：导数是 1 − h_t²，而不是 1 − tanh(h_t)²。")),
        ({"derivative": np.ones_like},
         Hint("Go through the tanh: multiply dh by its derivative 1 − h_t² before using it for the weights.",
              "要穿过 tanh：先把 dh 乘以它的导数 1 − h_t²，再用来求权重的梯度。")),
        ({"previous": False},
         Hint("dW_h pairs dz at step t with h_{t-1}, the state W_h multiplied at that step, not with h_t.",
              "dW_h 要把第 t 步的 dz 与 h_{t-1}（这一步中与 W_h 相乘的隐状态）配对，而不是与 h_t 配对。")),
        ({"transpose_recurrent": False},
         Hint("In Keras' layout h_t = tanh(… + h_{t-1} @ W_h), so the gradient goes back as dz @ W_h.T.",
              "在 Keras 的布局中 h_t = tanh(… + h_{t-1} @ W_h)，所以梯度要按 dz @ W_h.T 传回去。")),
    )
    for slip, hint in slips:
        if values_equal(tuple(_step_shares(args, **slip).sum(axis=0)), tuple(got[:3])):
            return hint
    shares = _step_shares(args)[:, wrong]  # (time,): step t's share of the wrong gradient
    if any(values_equal(share, got[wrong]) for share in shares):
        name = GRADIENT_NAMES[wrong]
        return Hint(f"{name} is shared by every time step: add up (+=) every step's share of d{name}, "
                    "not only one step's (=).",
                    f"每个时间步共用同一个 {name}：要把每一步对 d{name} 的贡献累加（+=），而不是只取一步（=）。")
    return None


def _step_shares(args: tuple[np.ndarray, ...], *, carry: bool = True,
                 derivative: Callable[[np.ndarray], np.ndarray] = lambda h: 1.0 - h ** 2,
                 previous: bool = True, transpose_recurrent: bool = True) -> np.ndarray:
    """Each time step's share of (dW_x, dW_h, db), shape (time, 3) of arrays, optionally with one slip made."""
    xs, targets, h0, W_x, W_h, b, W_y, b_y = args
    hidden, probabilities = char_rnn_forward(xs, h0, W_x, W_h, b, W_y, b_y)
    batch, time = targets.shape
    dlogits = (probabilities - np.eye(W_y.shape[1])[targets]) / (batch * time)  # (batch, time, vocab_size)
    shares = np.empty((time, 3), dtype=object)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(time)):
        h_prev = hidden[:, t - 1] if t > 0 else h0
        dh = dlogits[:, t] @ W_y.T + (dh_next if carry else 0.0)  # (batch, units)
        dz = dh * derivative(hidden[:, t])
        shares[t] = (xs[:, t].T @ dz, (h_prev if previous else hidden[:, t]).T @ dz, dz.sum(axis=0))
        dh_next = dz @ (W_h.T if transpose_recurrent else W_h)
    return shares


def check_parameter_count(learner_parameter_count: Callable[[str, int, int], Any]) -> CheckResult:
    """`parameter_count(cell, input_size, units)` → the number of weights of a Keras SimpleRNN, LSTM or GRU layer."""
    cases = [Case(learner_parameter_count, (cell, input_size, units), rnn_parameter_count(cell, input_size, units))
             for cell in ("rnn", "lstm", "gru") for input_size, units in PARAMETER_SIZES]
    return run_check("parameter_count", cases, hint=_parameter_count_hint)


def _parameter_count_hint(case: Case, got: Any) -> Hint | None:
    cell, input_size, units = case.args
    blocks = BLOCKS[cell]
    biases = 2 if cell == "gru" else 1
    one_block = units * (input_size + units) + biases * units
    mistakes = (
        (3 * (units * (input_size + units) + units) if cell == "gru" else None,
         Hint("Keras' GRU (reset_after=True) keeps two bias vectors per block: "
              "3·(units·(input_size + units) + 2·units).",
              "Keras 的 GRU（reset_after=True）每块有两个偏置向量：3·(units·(input_size + units) + 2·units)。")),
        (one_block if blocks > 1 else None,
         Hint(f"That is one block; {'a GRU' if cell == 'gru' else 'an LSTM'} stacks {blocks} of them "
              f"(one per gate or candidate): multiply by {blocks}.",
              f"这只是一块；{cell.upper()} 叠放了 {blocks} 块（每个门或候选值一块）：请乘以 {blocks}。")),
        (blocks * units * (input_size + units),
         Hint("The biases are missing: each block adds a bias of `units` numbers.",
              "漏了偏置：每块还有 units 个偏置。")),
        (blocks * (units * input_size + biases * units),
         Hint("The recurrent kernel (units × units per block) is missing: it multiplies h_{t-1}.",
              "漏了循环权重（每块 units × units）：它与 h_{t-1} 相乘。")),
    )
    return next((hint for value, hint in mistakes if value is not None and _is_number(got) and got == value), None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _matching_hint(got: np.ndarray, mistakes: tuple[tuple[Callable[[], Any], Hint], ...]) -> Hint | None:
    """The hint of the first known slip whose result equals what the learner got (slips impossible here are skipped)."""
    for slip, hint in mistakes:
        try:
            wrong = np.asarray(slip())
        except ValueError:  # e.g. swapped weights on non-square shapes cannot even be multiplied
            continue
        if values_equal(wrong, got):
            return hint
    return None
