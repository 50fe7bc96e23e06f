import json
import logging
import re
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from charrnn_lib import checkpoints, native, training
from charrnn_lib.batches import make_dataset, split_train_validation
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError, CorpusError
from charrnn_lib.model import build_char_rnn, recurrent_layers, reset_states
from charrnn_lib.training import SoftmaxCrossEntropy, Validation, steps_per_call, train

CYCLE = "abcdefghij\n" * 300  # 3,300 characters of a perfectly predictable pattern
# 2,970 training characters / (8 × 20) = 18 batches per pass.


def tiny_config(**overrides) -> TrainConfig:
    settings = dict(name="tiny", num_seqs=8, num_steps=20, lstm_size=48, num_layers=1, learning_rate=0.01,
                    train_keep_prob=1.0, max_steps=60, save_every_n=30, log_every_n=10, validation_fraction=0.1,
                    seed=1)
    return TrainConfig.from_knobs(**{**settings, **overrides})


class RecordCalls(keras.callbacks.Callback):
    """What a user's callback sees: the steps epochs start at, the state each call starts from, each call's logs."""

    def __init__(self):
        super().__init__()
        self.epoch_starts, self.state_at_call, self.batch_logs = [], {}, []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_starts.append(int(self.model.optimizer.iterations))

    def on_train_batch_begin(self, batch, logs=None):
        states = [float(np.abs(v.numpy()).max()) for layer in recurrent_layers(self.model) for v in layer.states]
        self.state_at_call[int(self.model.optimizer.iterations)] = max(states)

    def on_train_batch_end(self, batch, logs=None):
        self.batch_logs.append((int(self.model.optimizer.iterations), dict(logs)))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One 60-step run (three pass boundaries) for the tests that only need a trained run: (run, its calls)."""
    calls = RecordCalls()
    run = train(CYCLE, tiny_config(), tmp_path_factory.mktemp("runs") / "run", callbacks=[calls], verbose=0)
    return run, calls


def copy_of(run, tmp_path):
    return shutil.copytree(run.run_dir, tmp_path / "run")


def test_training_learns_and_writes_a_complete_run_folder(trained):
    run, _ = trained
    history = run.history
    assert history.steps == [10, 20, 30, 40, 50, 60]
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_steps == [30, 60] and history.val_loss[-1] < 0.5
    np.testing.assert_allclose(history.val_bpc, np.array(history.val_loss) / np.log(2))
    np.testing.assert_allclose(history.val_perplexity, np.exp(history.val_loss))
    assert [step for step, _ in checkpoints.list_checkpoints(run.run_dir)] == [30, 60]
    saved = json.loads((run.run_dir / "config.json").read_text(encoding="utf-8"))
    assert saved["vocab_size"] == run.converter.vocab_size == 12 and saved["layout"]["num_seqs"] == 8
    assert json.loads((run.run_dir / "history.json").read_text(encoding="utf-8"))["val_loss"] == history.val_loss
    assert int(run.model.optimizer.iterations) == 60


def test_state_is_reset_at_each_pass_start_and_carried_within_a_pass(trained):
    run, calls = trained
    assert calls.epoch_starts == [0, 18, 36, 54]  # one Keras epoch per pass
    zeroed = [step for step, state in calls.state_at_call.items() if state == 0.0]
    assert zeroed == [0, 18, 36, 54] and len(calls.state_at_call) == 30
    carried = [np.abs(v.numpy()).max() for layer in recurrent_layers(run.model) for v in layer.states]
    assert max(carried) > 0.0  # mid-pass the state is non-zero and carried into the next batch


def test_user_callbacks_see_each_compiled_call_with_the_validation_logs(trained):
    _, calls = trained
    steps = [step for step, _ in calls.batch_logs]
    assert steps == list(range(2, 61, 2))  # 2 steps per call: the most that divides the 18-batch pass and the logs
    with_validation = [step for step, logs in calls.batch_logs if "val_loss" in logs]
    assert with_validation == [30, 60]


def test_the_logged_loss_is_the_mean_of_its_window_not_of_the_pass(trained):
    run, calls = trained
    # Keras' running mean since the pass began at step 54 covers steps 55-60, the log at 60 steps 51-60.
    running_at_60 = calls.batch_logs[-1][1]["loss"]
    running_at_54, running_at_50 = calls.batch_logs[26][1]["loss"], calls.batch_logs[24][1]["loss"]
    steps_51_to_54 = running_at_54 * 18 - running_at_50 * 14
    assert run.history.loss[-1] == pytest.approx((steps_51_to_54 + running_at_60 * 6) / 10, rel=1e-5)


def test_resume_continues_mid_pass_and_keeps_the_log(trained, tmp_path):
    calls = RecordCalls()
    resumed = train(CYCLE, tiny_config(max_steps=80), copy_of(trained[0], tmp_path), callbacks=[calls], verbose=0)
    assert int(resumed.model.optimizer.iterations) == 80
    assert resumed.history.steps == [10, 20, 30, 40, 50, 60, 70, 80]  # the first run's log is kept
    assert [step for step, _ in checkpoints.list_checkpoints(resumed.run_dir)] == [30, 60, 80]
    assert calls.batch_logs[0][0] == 62  # step 60 is batch 6 of the fourth pass: no new pass starts there


def test_starting_over_sets_the_earlier_run_aside_instead_of_mixing_checkpoints(trained, tmp_path):
    run_dir = copy_of(trained[0], tmp_path)
    restarted = train(CYCLE, tiny_config(max_steps=30, lstm_size=32), run_dir, resume=False, verbose=0)
    assert [step for step, _ in checkpoints.list_checkpoints(restarted.run_dir)] == [30]
    assert restarted.history.steps == [10, 20, 30]
    assert checkpoints.resolve_checkpoint(restarted.run_dir)[1].name == checkpoints.checkpoint_name(30)
    aside = run_dir / "checkpoints.previous"
    assert sorted(path.name for path in aside.iterdir()) == [
        checkpoints.checkpoint_name(30), checkpoints.checkpoint_name(60), "history.json"]


@pytest.mark.parametrize("change", [{"lstm_size": 64}, {"num_seqs": 4}, {"validation_fraction": 0.2}])
def test_resume_refuses_other_model_settings_and_names_them(trained, change):
    with pytest.raises(CheckpointError, match=next(iter(change))):
        train(CYCLE, tiny_config(**change), trained[0].run_dir, verbose=0)


@pytest.fixture(scope="module")
def looped_with_dropout(tmp_path_factory):
    return train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path_factory.mktemp("runs") / "a",
                 verbose=0)


def test_same_seed_gives_the_same_run_on_cpu(looped_with_dropout, tmp_path):
    again = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "b", verbose=0)
    assert again.history.loss == looped_with_dropout.history.loss


def test_unrolled_training_follows_the_same_path_and_resumes_either_way(looped_with_dropout, tmp_path):
    unrolled = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "unrolled", verbose=0,
                     unroll=True)
    assert all(layer.unroll for layer in recurrent_layers(unrolled.model))
    np.testing.assert_allclose(unrolled.history.loss, looped_with_dropout.history.loss, rtol=1e-4)
    np.testing.assert_allclose(unrolled.history.val_loss, looped_with_dropout.history.val_loss, rtol=1e-4)
    resumed = train(CYCLE, tiny_config(max_steps=30, train_keep_prob=0.7), tmp_path / "unrolled", verbose=0)
    assert int(resumed.model.optimizer.iterations) == 30 and not recurrent_layers(resumed.model)[0].unroll


def test_the_loss_is_softmax_cross_entropy():
    rng = np.random.default_rng(5)
    logits = tf.constant(rng.normal(size=(3, 4, 50)).astype("float32"))
    targets = tf.constant(rng.integers(0, 50, (3, 4)).astype("int32"))
    expected = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(targets, logits)
    assert float(SoftmaxCrossEntropy()(targets, logits)) == pytest.approx(float(expected), rel=1e-6)


def test_validation_loss_is_taken_from_a_fresh_state_and_leaves_the_carried_state_alone():
    model = build_char_rnn(30, lstm_size=8, num_layers=1, batch_size=4, keep_prob=1.0)
    model.compile(loss=SoftmaxCrossEntropy())
    ids = np.random.default_rng(4).integers(0, 30, 4 * 9 + 1).astype("uint8")
    x, y = next(iter(make_dataset(ids, 4, 9)))
    model(x)  # leave some state behind: validation must start from zero and put it back afterwards
    carried = [variable.numpy() for variable in recurrent_layers(model)[0].states]
    loss = Validation(model, make_dataset(ids, 4, 9))()
    for variable, value in zip(recurrent_layers(model)[0].states, carried, strict=True):
        np.testing.assert_allclose(variable.numpy(), value)
    reset_states(model)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=model(x)))
    assert loss == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize(("knobs", "n_batches", "start", "expected"), [
    ({"log_every_n": 10, "save_every_n": 1000, "max_steps": 10000}, 1000, 0, 10),  # everything lines up
    ({"log_every_n": 10, "save_every_n": 1000, "max_steps": 10000}, 1133, 0, 10),  # 3 of 1,133 batches trimmed
    ({"log_every_n": 10, "save_every_n": 30, "max_steps": 60}, 18, 0, 2),  # 18 % 10 would trim too much
    ({"log_every_n": 10, "save_every_n": 1000, "max_steps": 10000}, 1000, 25, 5),  # resumed at step 25
    ({"log_every_n": 7, "save_every_n": 1000, "max_steps": 10000}, 1000, 0, 1),
])
def test_steps_per_call_land_on_every_log_save_stop_and_pass_start(knobs, n_batches, start, expected):
    assert steps_per_call(tiny_config(**knobs), n_batches, start) == expected


def test_steps_per_call_keeps_to_the_backends_limit(monkeypatch):
    monkeypatch.setattr(native.ops(), "most_steps_per_execution", 1)  # PyTorch's: Keras refuses more there
    assert steps_per_call(tiny_config(log_every_n=10, save_every_n=100, max_steps=1000), 100, 0) == 1


def test_unroll_on_a_gpu_machine_warns_that_it_gives_up_cudnn(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(native.ops(), "gpu_visible", staticmethod(lambda: True))  # Keras still sees only the CPU
    quick = tiny_config(max_steps=2, save_every_n=2, log_every_n=2)
    with caplog.at_level(logging.WARNING, logger="charrnn"):
        train(CYCLE, quick, tmp_path / "looped", verbose=0)
        assert "cuDNN" not in caplog.text
        train(CYCLE, quick, tmp_path / "unrolled", verbose=0, unroll=True)
    assert "unroll=True keeps the LSTM off the fused cuDNN kernel" in caplog.text


def test_corpus_shorter_than_one_batch_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="needs at least 161"):
        train("abc" * 30, tiny_config(), tmp_path / "run", verbose=0)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_ctrl_c_saves_a_final_checkpoint_and_callbacks_can_see_every_batch(tmp_path):
    seen = []

    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(int(self.model.optimizer.iterations))
            if seen[-1] == 21:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(CYCLE, tiny_config(max_steps=60, save_every_n=50), tmp_path / "run", callbacks=[Interrupt()],
              verbose=0, steps_per_execution=1)
    assert seen == list(range(1, 22))
    assert [step for step, _ in checkpoints.list_checkpoints(tmp_path / "run")] == [21]


def test_an_interrupted_save_keeps_the_previous_checkpoint(trained, tmp_path, monkeypatch):
    run_dir = copy_of(trained[0], tmp_path)
    good = checkpoints.latest_checkpoint(run_dir)
    before = good.read_bytes()

    def crash(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save_checkpoint(trained[0].model, run_dir, 60)
    assert good.read_bytes() == before
    assert sorted(p.name for p in good.parent.iterdir()) == sorted([good.name, checkpoints.checkpoint_name(30)])


@pytest.mark.parametrize("from_unigram", [True, False])
def test_unigram_output_bias_starts_the_logits_at_the_training_texts_log_frequencies(tmp_path, from_unigram):
    text = "aaaaaab\n" * 400  # skewed frequencies: a 6/8, b 1/8, newline 1/8
    config = tiny_config(unigram_output_bias=from_unigram, learning_rate=1e-9, max_steps=10, save_every_n=10)
    run = train(text, config, tmp_path / "run", verbose=0)  # so small a learning rate leaves the bias where it started
    bias = run.model.get_layer("logits").bias.numpy()
    train_ids, _ = split_train_validation(run.converter.encode(text), config.layout.validation_fraction)
    counts = np.bincount(train_ids, minlength=run.converter.vocab_size) + 0.5
    expected = np.log(counts / counts.sum()) if from_unigram else np.zeros_like(bias)
    np.testing.assert_allclose(bias, expected, atol=1e-4)


def test_on_validation_comes_after_each_saved_validation_and_can_lower_the_rate_and_stop_training(tmp_path):
    seen = []

    def after_validation(report: training.ValidationReport) -> bool:
        # The checkpoint and the history of this step are on disk when the caller is told.
        assert report.checkpoint == checkpoints.latest_checkpoint(tmp_path / "run")
        assert checkpoints.checkpoint_step(report.checkpoint) == report.step == report.history.val_steps[-1]
        seen.append((report.step, report.val_loss))
        optimizer = report.model.optimizer
        optimizer.learning_rate = float(optimizer.learning_rate) / 2
        return report.step >= 20  # stop at the second validation

    run = train(CYCLE, tiny_config(max_steps=100, save_every_n=10), tmp_path / "run", verbose=0,
                on_validation=after_validation)
    assert [step for step, _ in seen] == [10, 20] and run.history.val_loss == [loss for _, loss in seen]
    assert int(run.model.optimizer.iterations) == 20 == run.history.steps[-1]
    assert float(run.model.optimizer.learning_rate) == pytest.approx(0.01 / 4)


def test_the_progress_bar_counts_the_steps_that_run_when_max_steps_cuts_a_pass_short(tmp_path, capsys):
    # 18 batches per pass, 24 steps: the second pass runs 6 steps, so its bar counts to 6, where Keras' own bar
    # would jump from 6/18 to 18/18.
    train(CYCLE, tiny_config(max_steps=24, save_every_n=12, log_every_n=6), tmp_path / "run", verbose=1)
    printed = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # without the bar's colour codes
    first, second = printed.split("Epoch 2/2")
    assert {target for _, target in re.findall(r"(\d+)/(\d+) ", first)} == {"18"}
    assert re.findall(r"(\d+)/(\d+) ", second)[-1] == ("6", "6")
    assert {target for _, target in re.findall(r"(\d+)/(\d+) ", second)} == {"6"}
