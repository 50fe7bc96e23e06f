"""charrnn_lib.checks.model: lesson 6's model check passes the reference and names each usual slip."""

from __future__ import annotations

import keras
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status
from charrnn_lib.model import OneHot, build_char_rnn


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


def builder(*, stateful=True, last_returns_sequences=True, dropout=True, rate=lambda keep_prob: 1 - keep_prob,
            activation=None, dense_units=None, fixed_batch=True, embedding=False):
    """A learner's functional builder, right by default, with one of the usual slips when asked."""
    def build_model(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
        ids = keras.Input(batch_shape=(batch_size if fixed_batch else None, None), dtype="int32")
        x = keras.layers.Embedding(vocab_size, 16)(ids) if embedding else OneHot(vocab_size)(ids)
        for index in range(num_layers):
            returns_sequences = last_returns_sequences or index < num_layers - 1
            x = keras.layers.LSTM(lstm_size, return_sequences=returns_sequences, stateful=stateful)(x)
            if dropout:
                x = keras.layers.Dropout(rate(keep_prob))(x)
        return keras.Model(ids, keras.layers.Dense(dense_units or vocab_size, activation=activation)(x))
    return build_model


def sequential_build_model(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    """The same model as a Sequential with a Lambda one-hot, and without Dropout when nothing is dropped."""
    model = keras.Sequential([keras.Input(batch_shape=(batch_size, None), dtype="int32"),
                              keras.layers.Lambda(lambda ids: keras.ops.one_hot(ids, vocab_size))])
    for _ in range(num_layers):
        model.add(keras.layers.LSTM(lstm_size, return_sequences=True, stateful=True))
        if keep_prob < 1:
            model.add(keras.layers.Dropout(1 - keep_prob))
    model.add(keras.layers.Dense(vocab_size))
    return model


def library_build_model(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    return build_char_rnn(vocab_size, lstm_size=lstm_size, num_layers=num_layers, keep_prob=keep_prob,
                          batch_size=batch_size)


def middle_layer_without_sequences(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    ids = keras.Input(batch_shape=(batch_size, None), dtype="int32")
    x = OneHot(vocab_size)(ids)
    x = keras.layers.LSTM(lstm_size, return_sequences=False, stateful=True)(x)
    x = keras.layers.LSTM(lstm_size, return_sequences=True, stateful=True)(x)
    return keras.Model(ids, keras.layers.Dense(vocab_size)(x))


def one_layer_only(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    return builder()(vocab_size, batch_size, lstm_size, 1, keep_prob)


def halved_units(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    return builder()(vocab_size, batch_size, lstm_size // 2, num_layers, keep_prob)


def forgot_return(vocab_size, batch_size, lstm_size, num_layers, keep_prob):
    builder()(vocab_size, batch_size, lstm_size, num_layers, keep_prob)


@pytest.mark.parametrize("function", [builder(), sequential_build_model, library_build_model])
def test_right_builders_pass_with_one_line(function, capsys):
    result = checks.check_char_rnn_model(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message and "通过" in line


def test_stub_is_not_attempted_yet(capsys):
    result = checks.check_char_rnn_model(stub)
    assert result.status is Status.NOT_ATTEMPTED and only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("function", "hint"), [
    (builder(stateful=False), "stateful=True"),
    (builder(last_returns_sequences=False), "return_sequences=True"),
    (middle_layer_without_sequences, "return_sequences=True"),
    (builder(fixed_batch=False), "batch_shape=(batch_size, None)"),
    (builder(dropout=False), "Add a Dropout layer"),
    (builder(rate=lambda keep_prob: keep_prob), "share to DROP"),
    (builder(activation="softmax"), "no softmax"),
    (builder(dense_units=7), "Dense(vocab_size)"),
    (builder(embedding=True), "OneHot"),
    (one_layer_only, "num_layers"),
    (halved_units, "lstm_size units"),
    (forgot_return, "Return the keras.Model"),
])
def test_plausible_mistakes_fail_with_their_hint(function, hint, capsys):
    line = failure_line(checks.check_char_rnn_model(function), capsys)
    assert hint in line, line


def test_strict_mode_raises_on_a_wrong_model(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_char_rnn_model(builder(stateful=False))
