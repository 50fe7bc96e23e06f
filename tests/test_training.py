import json
import logging

import keras
import numpy as np
import pytest
import tensorflow as tf

from charrnn_lib import checkpoints, training
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError, CorpusError
from charrnn_lib.model import build_char_rnn, recurrent_layers, reset_states
from charrnn_lib.training import CompiledSteps, train

CYCLE = "abcdefghij\n" * 300  # 3,300 characters of a perfectly predictable pattern


def tiny_config(**overrides) -> TrainConfig:
    settings = dict(name="tiny", num_seqs=8, num_steps=20, lstm_size=48, num_layers=1, learning_rate=0.01,
                    train_keep_prob=1.0, max_steps=60, save_every_n=30, log_every_n=10, validation_fraction=0.1,
                    seed=1)
    return TrainConfig(**{**settings, **overrides})


def test_training_learns_and_writes_a_complete_run_folder(tmp_path):
    run = train(CYCLE, tiny_config(), tmp_path / "run", verbose=0)
    history = run.history
    assert history.steps == [10, 20, 30, 40, 50, 60]
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_steps == [30, 60] and history.val_loss[-1] < 0.5
    np.testing.assert_allclose(history.val_bpc, np.array(history.val_loss) / np.log(2))
    assert [step for step, _ in checkpoints.list_checkpoints(run.run_dir)] == [30, 60]
    saved = json.loads((run.run_dir / "config.json").read_text(encoding="utf-8"))
    assert saved["vocab_size"] == run.converter.vocab_size == 12 and saved["num_seqs"] == 8
    assert json.loads((run.run_dir / "history.json").read_text(encoding="utf-8"))["val_loss"] == history.val_loss
    assert int(run.model.optimizer.iterations) == 60


def test_resume_continues_the_step_count(tmp_path):
    train(CYCLE, tiny_config(max_steps=30), tmp_path / "run", verbose=0)
    resumed = train(CYCLE, tiny_config(max_steps=50), tmp_path / "run", verbose=0)
    assert int(resumed.model.optimizer.iterations) == 50
    assert resumed.history.steps == [10, 20, 30, 40, 50]  # the first run's log is kept
    assert [step for step, _ in checkpoints.list_checkpoints(resumed.run_dir)] == [30, 50]


def test_starting_over_sets_the_earlier_run_aside_instead_of_mixing_checkpoints(tmp_path):
    train(CYCLE, tiny_config(max_steps=60), tmp_path / "run", verbose=0)
    restarted = train(CYCLE, tiny_config(max_steps=30, lstm_size=32), tmp_path / "run", resume=False, verbose=0)
    assert [step for step, _ in checkpoints.list_checkpoints(restarted.run_dir)] == [30]
    assert restarted.history.steps == [10, 20, 30]
    assert checkpoints.resolve_checkpoint(restarted.run_dir)[1].name == checkpoints.checkpoint_name(30)
    aside = tmp_path / "run" / "checkpoints.previous"
    assert sorted(path.name for path in aside.iterdir()) == [
        checkpoints.checkpoint_name(30), checkpoints.checkpoint_name(60), "history.json"]


def test_resume_refuses_a_different_architecture(tmp_path):
    train(CYCLE, tiny_config(max_steps=10, save_every_n=10), tmp_path / "run", verbose=0)
    with pytest.raises(CheckpointError, match="lstm_size"):
        train(CYCLE, tiny_config(lstm_size=64), tmp_path / "run", verbose=0)


def test_same_seed_gives_the_same_run_on_cpu(tmp_path):
    first = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "a", verbose=0)
    second = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "b", verbose=0)
    assert first.history.loss == second.history.loss


def test_evaluation_loss_is_the_softmax_cross_entropy_from_a_fresh_state():
    model = build_char_rnn(30, lstm_size=8, num_layers=1, batch_size=4, keep_prob=1.0)
    rng = np.random.default_rng(4)
    x, y = (tf.constant(rng.integers(0, 30, (1, 4, 9)).astype("int32")) for _ in range(2))
    model(x[0])  # leave some state behind: evaluate must start from zero and put it back afterwards
    carried = [variable.numpy() for variable in recurrent_layers(model)[0].states]
    loss = CompiledSteps(model).evaluate(x, y)
    for variable, value in zip(recurrent_layers(model)[0].states, carried, strict=True):
        np.testing.assert_allclose(variable.numpy(), value)
    reset_states(model)
    expected = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y[0], logits=model(x[0])))
    assert loss == pytest.approx(float(expected), rel=1e-5)


def test_unrolled_training_follows_the_same_path_and_resumes_either_way(tmp_path):
    looped = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "loop", verbose=0)
    unrolled = train(CYCLE, tiny_config(max_steps=20, train_keep_prob=0.7), tmp_path / "unrolled", verbose=0,
                     unroll=True)
    assert all(layer.unroll for layer in recurrent_layers(unrolled.model))
    np.testing.assert_allclose(unrolled.history.loss, looped.history.loss, rtol=1e-4)
    np.testing.assert_allclose(unrolled.history.val_loss, looped.history.val_loss, rtol=1e-4)
    resumed = train(CYCLE, tiny_config(max_steps=30, train_keep_prob=0.7), tmp_path / "unrolled", verbose=0)
    assert int(resumed.model.optimizer.iterations) == 30 and not recurrent_layers(resumed.model)[0].unroll


def test_unroll_on_a_gpu_machine_warns_that_it_gives_up_cudnn(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(training, "_gpu_visible", lambda: True)  # Keras itself still sees only the CPU
    with caplog.at_level(logging.WARNING, logger="charrnn"):
        train(CYCLE, tiny_config(max_steps=10, save_every_n=10), tmp_path / "looped", verbose=0)
        assert "cuDNN" not in caplog.text
        train(CYCLE, tiny_config(max_steps=10, save_every_n=10), tmp_path / "unrolled", verbose=0, unroll=True)
    assert "unroll=True keeps the LSTM off the fused cuDNN kernel" in caplog.text


def test_corpus_shorter_than_one_batch_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="needs at least 161"):
        train("abc" * 30, tiny_config(), tmp_path / "run", verbose=0)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_state_is_carried_within_a_pass_and_reset_at_each_new_pass(tmp_path):
    starts = []

    class RecordState(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            starts.append([float(np.abs(v.numpy()).max()) for layer in recurrent_layers(self.model)
                           for v in layer.states])

    # 2,970 training chars / (8 × 20) = 18 batches per pass; 40 steps cross two pass boundaries.
    run = train(CYCLE, tiny_config(max_steps=40, log_every_n=4, save_every_n=40), tmp_path / "run",
                callbacks=[RecordState()], verbose=0)
    assert len(starts) == 3 and all(max(values) == 0.0 for values in starts)  # reset at each pass start
    carried = [np.abs(v.numpy()).max() for layer in recurrent_layers(run.model) for v in layer.states]
    assert max(carried) > 0.0  # mid-pass the state is non-zero and carried into the next batch


def test_ctrl_c_saves_a_final_checkpoint(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 20:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(CYCLE, tiny_config(max_steps=60, save_every_n=50), tmp_path / "run", callbacks=[Interrupt()],
              verbose=0)
    assert [step for step, _ in checkpoints.list_checkpoints(tmp_path / "run")] == [20]


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    run = train(CYCLE, tiny_config(max_steps=30), tmp_path / "run", verbose=0)
    good = checkpoints.latest_checkpoint(run.run_dir)
    before = good.read_bytes()

    def crash(self, path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoints.save_checkpoint(run.model, run.run_dir, 30)
    assert good.read_bytes() == before
    assert sorted(p.name for p in good.parent.iterdir()) == [good.name]  # no partial file left behind
