"""charrnn_lib.checks.training: lesson 6's loop checks pass a learner's correct code and name the usual slips."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from check_helpers import failure_line, only_line, stub

import charrnn_lib as cr
from charrnn_lib import checks
from charrnn_lib.checks import CheckFailure, Status


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the exercises written the way a student would, then plausible mistakes -----------------------

def train_step(model, optimizer, x, y, grad_clip):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    gradients, _ = tf.clip_by_global_norm(gradients, grad_clip)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
    return float(loss)


def step_with(*, softmax_twice=False, per_tensor=False, clip=True, summed=False):
    def step(model, optimizer, x, y, grad_clip):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            if softmax_twice:
                logits = tf.nn.softmax(logits)
            per_character = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
            loss = keras.ops.sum(per_character) if summed else keras.ops.mean(per_character)
        gradients = tape.gradient(loss, model.trainable_variables)
        if per_tensor:
            gradients = [tf.clip_by_norm(gradient, grad_clip) for gradient in gradients]
        elif clip:
            gradients, _ = tf.clip_by_global_norm(gradients, grad_clip)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return float(loss)

    step.__name__ = "train_step"
    return step


def train_one_pass(model, optimizer, x_batches, y_batches, grad_clip):
    cr.reset_states(model)
    return [train_step(model, optimizer, x, y, grad_clip) for x, y in zip(x_batches, y_batches, strict=True)]


def reset_every_batch(model, optimizer, x_batches, y_batches, grad_clip):
    losses = []
    for x, y in zip(x_batches, y_batches, strict=True):
        cr.reset_states(model)
        losses.append(train_step(model, optimizer, x, y, grad_clip))
    return losses


def never_reset(model, optimizer, x_batches, y_batches, grad_clip):
    return [train_step(model, optimizer, x, y, grad_clip) for x, y in zip(x_batches, y_batches, strict=True)]


def states_of(model):
    return [v.numpy() for layer in model.layers if isinstance(layer, keras.layers.RNN) for v in layer.states]


def put_back(model, values):
    variables = [v for layer in model.layers if isinstance(layer, keras.layers.RNN) for v in layer.states]
    for variable, value in zip(variables, values, strict=True):
        variable.assign(value)


def validation_with(*, training=False, reset=True, restore=True):
    def validation_loss(model, x_batches, y_batches):
        saved = states_of(model)
        if reset:
            cr.reset_states(model)
        losses = [keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, model(x, training=training),
                                                                               from_logits=True))
                  for x, y in zip(x_batches, y_batches, strict=True)]
        if restore:
            put_back(model, saved)
        return float(np.mean(losses))

    return validation_loss


def loss_units(loss):
    return loss / math.log(2), math.exp(loss)


# --- train_step ---
def test_train_step_passes_a_correct_answer(capsys):
    result = checks.check_train_step(train_step)
    assert result.passed, only_line(capsys)


def test_train_step_stub_is_not_attempted(capsys):
    assert checks.check_train_step(stub).status is Status.NOT_ATTEMPTED
    assert only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("wrong", "hint"), [
    (step_with(softmax_twice=True), "from_logits=True"),
    (step_with(per_tensor=True), "tf.clip_by_global_norm, one factor"),
    (step_with(clip=False), "not clipped"),
    (step_with(summed=True), "take the mean"),
])
def test_train_step_names_the_slip(wrong, hint, capsys):
    line = failure_line(checks.check_train_step(wrong), capsys)
    assert hint in line


def test_train_step_failure_raises_in_strict_mode(monkeypatch):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_train_step(step_with(clip=False))


# --- train_one_pass ---
def test_train_one_pass_passes_a_correct_answer(capsys):
    assert checks.check_train_one_pass(train_one_pass).passed, only_line(capsys)


def test_train_one_pass_stub_is_not_attempted(capsys):
    assert checks.check_train_one_pass(stub).status is Status.NOT_ATTEMPTED
    only_line(capsys)


@pytest.mark.parametrize(("wrong", "hint"), [(reset_every_batch, "before every batch"),
                                             (never_reset, "never reset")])
def test_train_one_pass_names_the_slip(wrong, hint, capsys):
    assert hint in failure_line(checks.check_train_one_pass(wrong), capsys)


# --- validation_loss ---
def test_validation_loss_passes_a_correct_answer(capsys):
    assert checks.check_validation_loss(validation_with()).passed, only_line(capsys)


def test_validation_loss_stub_is_not_attempted(capsys):
    assert checks.check_validation_loss(stub).status is Status.NOT_ATTEMPTED
    only_line(capsys)


@pytest.mark.parametrize(("wrong", "hint"), [
    (validation_with(training=True), "training=False"),
    (validation_with(reset=False), "reset the state first"),
    (validation_with(restore=False), "carried training state changed"),
])
def test_validation_loss_names_the_slip(wrong, hint, capsys):
    assert hint in failure_line(checks.check_validation_loss(wrong), capsys)


# --- loss_units ---
def test_loss_units_passes_a_correct_answer_and_stub_is_not_attempted(capsys):
    assert checks.check_loss_units(loss_units).passed
    assert checks.check_loss_units(stub).status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize(("wrong", "hint"), [
    (lambda loss: (loss * math.log(2), math.exp(loss)), "does not multiply"),
    (lambda loss: (loss / math.log(2), 2 ** loss), "e ** loss"),
    (lambda loss: (math.exp(loss), loss / math.log(2)), "swapped"),
])
def test_loss_units_names_the_slip(wrong, hint, capsys):
    assert hint in failure_line(checks.check_loss_units(wrong), capsys)


# --- the references are what cr.train does ---
def test_the_hand_written_pass_logs_the_losses_of_cr_train_and_its_validation_loss(tmp_path):
    """Keep 1, output bias from zero, one step per call, a log every step: the two agree to 1e-4 over two passes."""
    from charrnn_lib.lessons import training_loop

    text = "Happy families are all alike; every unhappy family is unhappy in its own way.\n" * 12
    config = cr.TrainConfig.from_knobs(name="loop", num_seqs=4, num_steps=10, lstm_size=16, num_layers=2,
                                       learning_rate=0.01, train_keep_prob=1.0, unigram_output_bias=False,
                                       grad_clip=0.5, seed=3, validation_fraction=0.2, log_every_n=1)
    layout = config.layout
    converter = cr.TextConverter.from_text(text, config.architecture.max_vocab)
    train_ids, validation_ids = cr.split_train_validation(converter.encode(text), layout.validation_fraction)
    x, y = cr.make_batches(train_ids, layout.num_seqs, layout.num_steps)
    config = config.replace(max_steps=2 * len(x), save_every_n=2 * len(x))
    run = cr.train(text, config, tmp_path, resume=False, verbose=0, steps_per_execution=1)

    keras.utils.set_random_seed(config.seed)
    model = cr.model.build_model(config.architecture, converter.vocab_size, layout.num_seqs)
    optimizer = keras.optimizers.Adam(config.learning_rate)
    losses = [loss for _ in range(2) for loss in training_loop.train_one_pass(model, optimizer, x, y, config.grad_clip)]
    np.testing.assert_allclose(losses, run.history.loss, rtol=0, atol=1e-4)
    x_val, y_val = cr.make_batches(validation_ids, layout.num_seqs, layout.num_steps)
    assert training_loop.validation_loss(model, x_val, y_val) == pytest.approx(run.history.val_loss[-1], abs=1e-4)


def test_compare_state_handling_trains_each_way_per_seed_and_the_ways_differ():
    from charrnn_lib.lessons import training_loop

    ids = np.random.default_rng(0).integers(0, 9, 2_000)
    config = cr.TrainConfig.from_knobs(num_seqs=4, num_steps=8, lstm_size=8, num_layers=1, validation_fraction=0.2,
                                       learning_rate=0.005)
    runs = training_loop.compare_state_handling(ids, config, seeds=(1, 2), steps=6, vocab_size=9)
    assert [(run.handling, run.seed) for run in runs] == [(way, seed) for seed in (1, 2)
                                                          for way in training_loop.STATE_HANDLING]
    assert len({round(run.val_bpc, 6) for run in runs}) == len(runs)
    assert all(0 < run.val_bpc < 2 * math.log2(9) and 0 < run.val_bpc_reset_every_window for run in runs)
