"""Checks for lesson 6 (Anna KaRNNa): the learner's stateful char-RNN against `charrnn_lib.model.build_char_rnn`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check
from charrnn_lib.model import build_char_rnn

# (vocab_size, batch_size, lstm_size, num_layers, keep_prob): the course's model shrunk, one layer without
# dropout, and three layers of a batch-1 sampling model.
MODEL_SETTINGS = ((83, 4, 32, 2, 0.5), (20, 3, 16, 1, 1.0), (30, 1, 8, 3, 0.8))
RECURRENT_NAMES = ("LSTM", "GRU", "SimpleRNN")
PROBE_STEPS = 3  # time steps of the ids fed once to read the output shape
# Keras errors a learner's builder raises for two of the usual slips, and what the check reports instead.
BUILD_ERRORS = (
    ("batch size must be static", "a stateful LSTM without a fixed batch size"),
    ("expected ndim=3", "an LSTM that receives one vector per row instead of a sequence"),
)


def check_char_rnn_model(learner_build_model: Callable[..., Any]) -> CheckResult:
    """`build_model(vocab_size, batch_size, lstm_size, num_layers, keep_prob)`: the same layers as the library's."""
    summarise = _summarising(learner_build_model)
    cases = [Case(summarise, settings, describe_model(_reference_model(*settings), settings[1]))
             for settings in MODEL_SETTINGS]
    return run_check("char_rnn_model", cases, hint=_model_hint)


def _reference_model(vocab_size: int, batch_size: int, lstm_size: int, num_layers: int,
                     keep_prob: float) -> keras.Model:
    return build_char_rnn(vocab_size, lstm_size=lstm_size, num_layers=num_layers, keep_prob=keep_prob,
                          batch_size=batch_size)


def _summarising(learner_build_model: Callable[..., Any]) -> Callable[..., Any]:
    """The learner's builder, returning what the check compares (or the name of a known build error)."""
    def summarise(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
        try:
            model = learner_build_model(vocab_size, batch_size, lstm_size, num_layers, keep_prob)
        except ValueError as error:
            found = next((summary for marker, summary in BUILD_ERRORS if marker in str(error)), None)
            if found is None:
                raise
            return found
        return describe_model(model, batch_size)

    summarise.__name__ = getattr(learner_build_model, "__name__", "build_model")
    return summarise


@dataclasses.dataclass(frozen=True)
class ModelSummary:
    """What two char-RNNs must share: layer types in order, recurrent flags, dropout, output and size."""

    layers: tuple[str, ...]
    stateful: tuple[bool, ...]
    return_sequences: tuple[bool, ...]
    dropout_rates: tuple[float, ...]
    output_shape: tuple[int, ...]
    logits: bool
    parameters: int

    def __repr__(self) -> str:
        """One short line for the check's message: size and output first, then the layers."""
        rates, flags = iter(self.dropout_rates), iter(zip(self.stateful, self.return_sequences, strict=True))
        layers = " ".join(f"Dropout({next(rates):g})" if layer == "Dropout" else
                          _recurrent_label(layer, *next(flags)) if layer in RECURRENT_NAMES else layer
                          for layer in self.layers)
        return (f"{self.parameters:,} parameters, output {self.output_shape} "
                f"{'logits' if self.logits else 'probabilities'}: {layers}")


def _recurrent_label(name: str, stateful: bool, return_sequences: bool) -> str:
    """`LSTM` as the course builds it; the missing flags spelt out otherwise."""
    missing = [flag for flag, present in (("stateless", stateful), ("last step only", return_sequences))
               if not present]
    return f"{name}({', '.join(missing)})" if missing else name


def describe_model(model: Any, batch_size: int) -> ModelSummary | str:
    """The summary of a learner's (or the library's) model, fed `batch_size` rows of ids once."""
    if not isinstance(model, keras.Model):
        return f"a {type(model).__name__}, not a keras.Model"
    output = np.asarray(model(np.zeros((batch_size, PROBE_STEPS), "int32"), training=False))
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)
              and not (isinstance(layer, keras.layers.Dropout) and layer.rate == 0)]  # Dropout(0) does nothing
    recurrent = [layer for layer in layers if isinstance(layer, keras.layers.RNN)]
    return ModelSummary(
        layers=tuple("OneHot" if type(layer).__name__ == "Lambda" else type(layer).__name__ for layer in layers),
        stateful=tuple(layer.stateful for layer in recurrent),
        return_sequences=tuple(layer.return_sequences for layer in recurrent),
        dropout_rates=tuple(round(float(layer.rate), 4) for layer in layers if isinstance(layer, keras.layers.Dropout)),
        output_shape=output.shape,
        logits=not _probabilities(output),
        parameters=model.count_params(),
    )


def _probabilities(output: np.ndarray) -> bool:
    """True when every output row is a probability distribution, i.e. a softmax was applied."""
    return bool(np.all(output >= 0) and np.allclose(output.sum(axis=-1), 1.0, atol=1e-4))


_BUILD_ERROR_HINTS = {
    BUILD_ERRORS[0][1]: Hint(
        "A stateful LSTM keeps one state per batch row, so the input needs a fixed batch size: "
        "keras.Input(batch_shape=(batch_size, None), dtype='int32').",
        "有状态的 LSTM 为批次的每一行保存一个状态，所以输入需要固定的批量大小："
        "keras.Input(batch_shape=(batch_size, None), dtype='int32')。"),
    BUILD_ERRORS[1][1]: Hint(
        "Every LSTM must pass on its whole sequence, (batch, time, units): set return_sequences=True on each one.",
        "每一层 LSTM 都必须输出整个序列 (batch, time, units)：每一层都要设 return_sequences=True。"),
}


def _model_hint(case: Case, got: Any) -> Hint | None:
    vocab_size, _, _, num_layers, keep_prob = case.args
    expected = case.expected
    if isinstance(got, str):
        return _BUILD_ERROR_HINTS.get(got, Hint("Return the keras.Model you built.", "请返回你搭建的 keras.Model。"))
    if "Embedding" in got.layers:
        return Hint("This model reads one-hot vectors: use cr.model.OneHot(vocab_size), not an Embedding layer.",
                    "这个模型的输入是独热向量：请用 cr.model.OneHot(vocab_size)，而不是 Embedding 层。")
    if not all(got.stateful):
        return Hint("Pass stateful=True to every LSTM, so the hidden state carries on into the next batch.",
                    "每一层 LSTM 都要传 stateful=True，隐状态才会延续到下一个批次。")
    if not all(got.return_sequences):
        return _BUILD_ERROR_HINTS[BUILD_ERRORS[1][1]]
    if len(got.stateful) != num_layers:
        return Hint(f"Stack num_layers = {num_layers} LSTM layers (a loop over range(num_layers)).",
                    f"要堆叠 num_layers = {num_layers} 层 LSTM（对 range(num_layers) 循环）。")
    if len(got.dropout_rates) < len(expected.dropout_rates):
        return Hint("Add a Dropout layer after every LSTM (train_keep_prob is the source material's dropout knob).",
                    "每一层 LSTM 之后都要加一个 Dropout 层（train_keep_prob 就是原始材料中暂退法（dropout）的"
                    "保留概率）。")
    if got.dropout_rates != expected.dropout_rates and all(np.isclose(rate, keep_prob) for rate in got.dropout_rates):
        return Hint(f"Dropout's rate is the share to DROP: rate = 1 - keep_prob = {1 - keep_prob:g}.",
                    f"Dropout 的 rate 是要丢弃的比例：rate = 1 - keep_prob = {1 - keep_prob:g}。")
    if not got.logits:
        return Hint("Return logits: no softmax at the end, the loss applies it (from_logits=True) and the sampler "
                    "divides logits by the temperature.",
                    "请输出 logits：末尾不要 softmax，损失函数会自己计算（from_logits=True），采样器也要用 logits "
                    "除以温度。")
    if got.output_shape[-1:] != (vocab_size,):
        return Hint(f"The last layer scores every character: Dense(vocab_size) = Dense({vocab_size}).",
                    f"最后一层为每个字符打分：Dense(vocab_size) = Dense({vocab_size})。")
    if got.layers != expected.layers:
        layers = " → ".join(expected.layers)
        return Hint(f"Expected the layers {layers}.", f"层的顺序应为 {layers}。")
    if got.parameters != expected.parameters:
        return Hint("The parameter count differs: check that every LSTM has lstm_size units.",
                    "参数量不一致：请检查每一层 LSTM 是否都有 lstm_size 个单元。")
    return None
