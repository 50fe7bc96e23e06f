"""Looking inside a trained char-RNN: its LSTM states over a text, and which units follow which feature.

Karpathy's "interpretable cells": read every unit's hidden state h and cell state c after each character of a
text, read from a fresh (zero) state, then correlate each unit with a feature of the text (inside a quotation,
the position in the line). A unit whose activation follows the feature closely is a unit the model uses for it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import keras
import numpy as np

from charrnn_lib import native
from charrnn_lib.errors import ConfigError
from charrnn_lib.model import recurrent_layers, step_function, zero_states
from charrnn_lib.text import TextConverter

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclasses.dataclass(frozen=True)
class Activations:
    """What an LSTM char-RNN computed after reading each character of `text` from a fresh state."""

    text: str
    hidden: np.ndarray  # (num_layers, time, units): h_t, the output each layer passes on
    cell: np.ndarray  # (num_layers, time, units): c_t, the memory the forget gate keeps
    logits: np.ndarray  # (time, vocab_size): row t scores the character after text[t]

    def state(self, kind: str) -> np.ndarray:
        """`hidden` or `cell` by name: `(num_layers, time, units)`."""
        if kind not in ("hidden", "cell"):
            raise ConfigError(f"kind must be 'hidden' or 'cell', got {kind!r}.",
                              f"kind 必须是 'hidden' 或 'cell'，收到 {kind!r}。")
        return self.hidden if kind == "hidden" else self.cell


class ActivationReader:
    """Reads the states of an LSTM char-RNN over any text, with one compiled loop per model.

    The loop is `keras.ops.scan` over `step_function`, compiled by `native.ops().compile_over_ids`: one
    `tf.function` for every text length on TensorFlow, `jax.jit` on JAX (traced once per length), eager on PyTorch.
    """

    def __init__(self, model: keras.Model, converter: TextConverter) -> None:
        layers = recurrent_layers(model)
        if not layers or not all(isinstance(layer, keras.layers.LSTM) for layer in layers):
            raise ConfigError(
                f"ActivationReader reads LSTM states; this model has {[layer.name for layer in layers]}.",
                f"ActivationReader 读取 LSTM 的状态；这个模型含有 {[layer.name for layer in layers]}。",
            )
        self.model, self.converter, self._step = model, converter, step_function(model)
        self._read = native.ops().compile_over_ids(model, self._read_ids)

    def read(self, text: str) -> Activations:
        """Every layer's h and c after each character of `text` (characters outside the vocabulary are <unk>)."""
        if not text:
            raise ConfigError("The text to read is empty; pass at least one character.",
                              "要读取的文本为空；请至少传入一个字符。")
        read = self._read(keras.ops.convert_to_tensor(self.converter.encode(text), "int32"))
        hidden, cell, logits = (keras.ops.convert_to_numpy(each) for each in read)
        return Activations(text, hidden, cell, logits)

    def _read_ids(self, ids):
        def read_one(carried, id_):
            _, states = carried
            # logits (1, vocab_size), [[h, c] per layer], each (1, units): carried on, and stacked over time
            carried = self._step(id_[None], states)
            return carried, carried

        start = (keras.ops.zeros([1, self.model.output_shape[-1]]), zero_states(self.model, 1))
        _, (logits, states) = keras.ops.scan(read_one, start, ids)  # (time, 1, …) each
        hidden = keras.ops.stack([h[:, 0] for h, _ in states])  # (layers, time, units)
        cell = keras.ops.stack([c[:, 0] for _, c in states])
        return hidden, cell, logits[:, 0]  # (layers, time, units) ×2, (time, vocab_size)


def inside_quotes(text: str, quote: str = '"') -> np.ndarray:
    """`(len(text),)` bool: whether a quotation is open after reading each character.

    Aligned with the states (which are read after each character): the opening quote is already inside,
    the closing quote is already outside.
    """
    marks = np.array([char == quote for char in text], dtype=int)
    return np.cumsum(marks) % 2 == 1


def position_in_line(text: str) -> np.ndarray:
    """`(len(text),)` int: how many characters of the current line have been read (0 at a line break)."""
    positions, count = np.zeros(len(text), dtype=int), 0
    for index, char in enumerate(text):
        count = 0 if char == "\n" else count + 1
        positions[index] = count
    return positions


def unit_correlations(states: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson correlation of each unit `(time, units)` with `feature` `(time,)`; 0 for a constant unit."""
    states = np.asarray(states, dtype=np.float64)
    feature = np.asarray(feature, dtype=np.float64)
    if states.shape[0] != feature.shape[0]:
        raise ConfigError(
            f"states cover {states.shape[0]} characters but the feature {feature.shape[0]}; compute both on "
            f"the same text.",
            f"states 覆盖 {states.shape[0]} 个字符，但特征覆盖 {feature.shape[0]} 个；请在同一段文本上计算两者。",
        )
    centred_states = states - states.mean(axis=0)  # (time, units)
    centred_feature = feature - feature.mean()  # (time,)
    scale = np.sqrt((centred_states**2).sum(axis=0) * (centred_feature**2).sum())  # (units,)
    covariance = centred_feature @ centred_states  # (units,)
    return np.divide(covariance, scale, out=np.zeros_like(covariance), where=scale > 0)


def most_correlated_unit(activations: Activations, feature: np.ndarray, *, layer: int, kind: str = "cell") -> int:
    """The unit of `layer`'s `kind` state whose activation is most correlated with `feature`, either sign."""
    correlations = unit_correlations(activations.state(kind)[layer], feature)  # (units,)
    return int(np.argmax(np.abs(correlations)))


def readable_text(figure: Figure) -> Figure:
    """Draw each character of a `plot_text_activation` figure white on dark cells and black on light ones.

    Black text on the darkest reds and blues of the colour scale could not be read; the choice follows each cell's
    relative luminance (ITU-R BT.709 weights), so it holds for any colour map.
    """
    ax = figure.axes[0]
    for cell, character in zip(ax.patches, ax.texts, strict=True):  # drawn in pairs, one per character
        red, green, blue, _ = cell.get_facecolor()
        character.set_color("white" if 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.5 else "black")
    return figure
