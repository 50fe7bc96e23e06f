import keras
import numpy as np
import pytest
import tensorflow as tf

from charrnn_lib.config import Architecture
from charrnn_lib.errors import ConfigError
from charrnn_lib.model import (
    build_char_rnn,
    build_model,
    recurrent_layers,
    reset_states,
    set_output_bias_to_unigram,
    step_function,
    zero_states,
)


def lstm_params(inputs: int, units: int) -> int:
    return 4 * units * (inputs + units + 1)


def test_one_hot_model_shapes_and_parameter_count():
    model = build_char_rnn(83, lstm_size=32, num_layers=2, batch_size=4)
    logits = model(np.zeros((4, 7), dtype="int32"))
    assert logits.shape == (4, 7, 83)
    expected = lstm_params(83, 32) + lstm_params(32, 32) + (32 * 83 + 83)
    assert model.count_params() == expected


def test_embedding_model_parameter_count():
    model = build_char_rnn(3500, lstm_size=128, num_layers=2, use_embedding=True, embedding_size=128, batch_size=2)
    expected = 3500 * 128 + lstm_params(128, 128) * 2 + (128 * 3500 + 3500)
    assert model.count_params() == expected
    assert any(isinstance(layer, keras.layers.Embedding) for layer in model.layers)


@pytest.mark.parametrize(("cell", "layer_type"), [("lstm", keras.layers.LSTM), ("gru", keras.layers.GRU),
                                                  ("rnn", keras.layers.SimpleRNN)])
def test_cell_choice(cell, layer_type):
    model = build_char_rnn(10, lstm_size=8, num_layers=3, cell=cell, batch_size=1)
    layers = recurrent_layers(model)
    # Keras' layer of that kind, with its carried state listed among its variables (what JAX threads through).
    assert len(layers) == 3 and all(isinstance(layer, layer_type) for layer in layers)
    for layer in layers:
        listed, weights = {id(each) for each in layer.non_trainable_variables}, {id(each) for each in layer.weights}
        assert all(id(state) in listed and id(state) not in weights for state in layer.states)
    assert all(layer.stateful and layer.return_sequences for layer in layers)


def test_lstm_stays_eligible_for_cudnn():
    model = build_char_rnn(10, lstm_size=8, num_layers=2, keep_prob=0.5, batch_size=1)
    for layer in recurrent_layers(model):
        assert layer.cell.activation is keras.activations.tanh
        assert layer.cell.recurrent_activation is keras.activations.sigmoid
        assert layer.cell.recurrent_dropout == 0 and not layer.unroll and layer.use_bias
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]


def test_state_is_carried_between_calls_and_reset_clears_it():
    model = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=3, keep_prob=1.0)
    x = np.random.default_rng(0).integers(0, 20, (3, 6)).astype("int32")
    first = model(x).numpy()
    second = model(x).numpy()
    assert np.abs(first - second).max() > 1e-4  # the second call starts from the first call's final state
    reset_states(model)
    np.testing.assert_allclose(model(x).numpy(), first, atol=1e-6)


def test_two_halves_with_carried_state_equal_one_long_call():
    model = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=2, keep_prob=1.0)
    x = np.random.default_rng(1).integers(0, 20, (2, 10)).astype("int32")
    whole = model(x).numpy()
    reset_states(model)
    halves = np.concatenate([model(x[:, :4]).numpy(), model(x[:, 4:]).numpy()], axis=1)
    np.testing.assert_allclose(halves, whole, atol=1e-5)


def test_weights_move_into_a_batch_one_model_exactly():
    training = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=4, keep_prob=0.5)
    sampling = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=1, keep_prob=1.0)
    sampling.set_weights(training.get_weights())
    x = np.random.default_rng(2).integers(0, 20, (4, 5)).astype("int32")
    np.testing.assert_allclose(sampling(x[2:3]).numpy(), training(x, training=False).numpy()[2:3], atol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_unrolled_model_computes_what_the_loop_computes(cell):
    looped = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=2, keep_prob=1.0, cell=cell)
    unrolled = build_char_rnn(20, lstm_size=16, num_layers=2, batch_size=2, keep_prob=1.0, cell=cell, unroll_steps=6)
    unrolled.set_weights(looped.get_weights())
    assert all(layer.unroll for layer in recurrent_layers(unrolled)) and unrolled.input_shape == (2, 6)
    x = np.random.default_rng(3).integers(0, 20, (2, 12)).astype("int32")
    # Two calls: the second one starts from the state the first one left, in both models.
    for window in (x[:, :6], x[:, 6:]):
        np.testing.assert_allclose(unrolled(window).numpy(), looped(window).numpy(), atol=1e-5)


def test_build_model_takes_the_architecture_and_fixes_the_batch_and_unrolled_length():
    architecture = Architecture(lstm_size=8, num_layers=2, use_embedding=True, embedding_size=5, cell="gru")
    model = build_model(architecture, 20, 4, keep_prob=0.5, unroll_steps=6)
    assert model.input_shape == (4, 6) and model.get_layer("embedding").output_dim == 5
    assert all(isinstance(layer, keras.layers.GRU) for layer in recurrent_layers(model))
    assert len(recurrent_layers(model)) == 2
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5]
    sampling = build_model(architecture, 20, 1)  # no dropout layers, same weights
    sampling.set_weights(model.get_weights())
    assert sampling.input_shape == (1, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"lstm_size": 0, "batch_size": 1}, "lstm_size"), ({"keep_prob": 0.0, "batch_size": 1}, "keep_prob"),
     ({"cell": "cnn", "batch_size": 1}, "cell"), ({"batch_size": None}, "batch_size"),
     ({"unroll_steps": 0, "batch_size": 1}, "unroll_steps")],
)
def test_bad_architecture_is_refused(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        build_char_rnn(10, **kwargs)


def test_unstateful_model_accepts_any_batch_size():
    model = build_char_rnn(10, lstm_size=8, num_layers=1, stateful=False)
    assert model(np.zeros((5, 3), dtype="int32")).shape == (5, 3, 10)


def test_unigram_output_bias_makes_a_model_that_ignores_its_input_predict_the_smoothed_frequencies():
    model = build_char_rnn(4, lstm_size=8, num_layers=1, keep_prob=1.0, stateful=False)
    logits = model.get_layer("logits")
    logits.kernel.assign(np.zeros(logits.kernel.shape))  # leave only the bias: the model ignores the context
    set_output_bias_to_unigram(model, np.array([0, 0, 0, 0, 0, 1, 1, 2]))  # id 3 never occurs
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(model(np.zeros((1, 2), dtype="int32"))))[0, 0]
    np.testing.assert_allclose(probabilities, np.array([5.5, 2.5, 1.5, 0.5]) / 10, rtol=1e-6)


@pytest.mark.parametrize("ids", [np.array([], dtype=int), np.array([0, 4]), np.array([-1, 2])])
def test_unigram_output_bias_refuses_ids_outside_the_vocabulary(ids):
    model = build_char_rnn(4, lstm_size=8, num_layers=1, stateful=False)
    with pytest.raises(ConfigError, match=r"\[0, 4\)") as refused:
        set_output_bias_to_unigram(model, ids)
    assert refused.value.chinese


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_one_character_at_a_time_the_step_function_gives_the_models_logits_from_a_zero_state(cell):
    model = build_char_rnn(12, lstm_size=8, num_layers=2, use_embedding=True, embedding_size=3, cell=cell,
                           batch_size=2, keep_prob=0.5)  # dropout layers, as in a training model: skipped
    ids = np.random.default_rng(0).integers(0, 12, size=(2, 7)).astype("int32")
    step, states, stepped = step_function(model), zero_states(model, 2), []
    for position in range(ids.shape[1]):
        logits, states = step(tf.constant(ids[:, position]), states)  # (2, 12)
        stepped.append(logits)
    reset_states(model)
    np.testing.assert_allclose(np.stack(stepped, axis=1), model(ids, training=False), atol=1e-5)


def test_the_step_function_refuses_a_layer_it_would_not_know_how_to_step():
    ids = keras.Input(batch_shape=(1, None), dtype="int32")
    x = keras.layers.Embedding(5, 3)(ids)
    x = keras.layers.LayerNormalization(name="norm")(keras.layers.LSTM(4, return_sequences=True)(x))
    with pytest.raises(ConfigError, match="norm") as refused:
        step_function(keras.Model(ids, keras.layers.Dense(5)(x)))
    assert "build_char_rnn" in refused.value.chinese
