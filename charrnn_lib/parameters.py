"""How many weights a recurrent layer has: the reference formulas behind lesson 4's parameter-count exercise."""

from __future__ import annotations

from charrnn_lib.config import CELL_TYPES
from charrnn_lib.errors import ConfigError

# How many (kernel, recurrent kernel, bias) blocks each cell stacks: one per gate or candidate.
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


def rnn_parameter_count(cell: str, input_size: int, units: int) -> int:
    """Trainable parameters of a Keras SimpleRNN ("rnn"), LSTM or GRU layer with default settings.

    Each block has a kernel `input_size × units`, a recurrent kernel `units × units` and a bias of
    `units`; Keras' GRU (`reset_after=True`) keeps a second bias per block for the recurrent part.
    """
    if cell not in CELL_TYPES:
        raise ConfigError(f"cell must be one of {', '.join(CELL_TYPES)}, got {cell!r}.",
                          f"cell 只能是 {', '.join(CELL_TYPES)} 之一，收到 {cell!r}。")
    for knob, value in (("input_size", input_size), ("units", units)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{knob} must be a positive whole number, got {value!r}.",
                              f"{knob} 必须是正整数，收到 {value!r}。")
    biases = 2 if cell == "gru" else 1
    return BLOCKS[cell] * (units * (input_size + units) + biases * units)
