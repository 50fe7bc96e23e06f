"""How many weights a recurrent layer has: the reference formulas behind lesson 4's parameter-count exercise."""

from __future__ import annotations

from charrnn_lib.config import require_cell, require_positive_whole_numbers

# How many (kernel, recurrent kernel, bias) blocks each cell stacks: one per gate or candidate.
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}


def rnn_parameter_count(cell: str, input_size: int, units: int) -> int:
    """Trainable parameters of a Keras SimpleRNN ("rnn"), LSTM or GRU layer with default settings.

    Each block has a kernel `input_size × units`, a recurrent kernel `units × units` and a bias of
    `units`; Keras' GRU (`reset_after=True`) keeps a second bias per block for the recurrent part.
    """
    require_cell(cell)
    require_positive_whole_numbers(input_size=input_size, units=units)
    biases = 2 if cell == "gru" else 1
    return BLOCKS[cell] * (units * (input_size + units) + biases * units)
