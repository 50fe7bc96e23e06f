import shutil
import warnings

import numpy as np
import pytest

from charrnn_lib import checkpoints
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError, ConfigError, VocabularyError
from charrnn_lib.model import build_model, recurrent_layers, reset_states
from charrnn_lib.sample import Sampler, apply_temperature, pick_top_n
from charrnn_lib.text import TextConverter
from charrnn_lib.training import train

CYCLE = "abcdefghij\n" * 300


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny model that has learned the cycle a→b→…→j→newline."""
    config = TrainConfig.from_knobs(name="cycle", num_seqs=8, num_steps=20, lstm_size=48, num_layers=2,
                                    learning_rate=0.01, train_keep_prob=1.0, max_steps=120, save_every_n=60,
                                    log_every_n=20, seed=3)
    return train(CYCLE, config, tmp_path_factory.mktemp("runs") / "cycle", verbose=0).run_dir


def test_pick_top_n_only_draws_among_the_n_most_likely():
    probabilities = np.array([0.05, 0.4, 0.01, 0.3, 0.24])
    rng = np.random.default_rng(0)
    drawn = {pick_top_n(probabilities, top_n=2, rng=rng) for _ in range(200)}
    assert drawn == {1, 3}
    assert pick_top_n(probabilities, top_n=1, rng=rng) == 1


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.0])
    cold, warm = apply_temperature(logits, 0.5), apply_temperature(logits, 2.0)
    np.testing.assert_allclose(cold.sum(), 1.0)
    assert cold[0] > apply_temperature(logits, 1.0)[0] > warm[0]


def test_sampler_continues_the_learned_cycle(run_dir):
    sampler = Sampler.from_run(run_dir)
    # One full cycle of context tells the model where in the cycle it is.
    text = sampler.sample("abcdefghij\nabc", 40, top_n=1, seed=0)
    assert text == ("abcdefghij\n" * 6)[:54]


def test_compiled_generation_matches_a_plain_greedy_loop(run_dir):
    sampler = Sampler.from_run(run_dir)
    model = sampler.model(1)
    prime = sampler.prime_ids("fgh")
    reset_states(model)
    logits = model(prime[None, :]).numpy()[0, -1]
    expected = []
    for _ in range(25):
        logits[sampler.converter.unk_id] = -np.inf
        expected.append(int(np.argmax(logits)))
        logits = model(np.array([[expected[-1]]], dtype="int32")).numpy()[0, -1]
    np.testing.assert_array_equal(sampler.generate_ids(prime, 25, top_n=1, seed=0)[0], expected)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("use_embedding", [True, False])
def test_stepping_the_cells_matches_the_model_for_every_architecture(cell, use_embedding):
    """The sampler steps each recurrent cell directly; logits must equal the whole model's, row by row."""
    converter = TextConverter.from_text(CYCLE)
    config = TrainConfig.from_knobs(lstm_size=16, num_layers=2, use_embedding=use_embedding, embedding_size=8,
                                    train_keep_prob=0.5, cell=cell, seed=1)  # dropout layers exist only in training
    trained = build_model(config.model, converter.vocab_size, 3, keep_prob=config.train_keep_prob)
    sampler = Sampler(trained, converter, config)
    prime = sampler.prime_ids("cdef")
    drawn = sampler.generate_ids(prime, 12, batch_size=3, top_n=1, seed=0)
    model = sampler.model(3)
    reset_states(model)
    logits = model(np.broadcast_to(prime, (3, len(prime)))).numpy()[:, -1]
    for position in range(12):
        logits[:, converter.unk_id] = -np.inf
        np.testing.assert_array_equal(drawn[:, position], logits.argmax(axis=1))
        logits = model(drawn[:, position:position + 1]).numpy()[:, -1]


def test_generation_leaves_the_models_stored_state_alone(run_dir):
    sampler = Sampler.from_run(run_dir)
    model = sampler.model(1)
    model(np.array([[1, 2, 3]], dtype="int32"))
    before = [variable.numpy() for layer in recurrent_layers(model) for variable in layer.states]
    sampler.sample("abc", 20, seed=0)
    after = [variable.numpy() for layer in recurrent_layers(model) for variable in layer.states]
    assert before and all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_seed_makes_sampling_reproducible_and_batches_differ(run_dir):
    sampler = Sampler.from_run(run_dir)
    first = sampler.sample("a", 60, top_n=5, temperature=2.0, seed=11)
    assert first == sampler.sample("a", 60, top_n=5, temperature=2.0, seed=11)
    rows = sampler.sample_batch("a", 60, batch_size=6, top_n=5, temperature=2.0, seed=11)
    assert len(rows) == 6 and all(len(row) == 61 and row.startswith("a") for row in rows)
    assert len(set(rows)) > 1  # each row draws its own characters


def test_unknown_prime_characters_are_named_or_mapped_with_a_warning(run_dir):
    sampler = Sampler.from_run(run_dir)
    with pytest.raises(VocabularyError, match="'X'"):
        sampler.sample("aXb", 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text = sampler.sample("aXb", 5, allow_unknown=True, seed=0)
    assert text.startswith("aXb") and len(text) == 8 and any("<unk>" in str(w.message) for w in caught)


@pytest.mark.parametrize(("kwargs", "knob"), [({"top_n": 0}, "top_n"), ({"temperature": 0.0}, "temperature"),
                                              ({"max_length": -1}, "max_length")])
def test_nonsensical_sampling_settings_are_refused(run_dir, kwargs, knob):
    sampler = Sampler.from_run(run_dir)
    with pytest.raises(ConfigError, match=knob):
        sampler.sample("a", **{"max_length": 5, **kwargs})


def test_missing_or_empty_checkpoint_folder(tmp_path):
    with pytest.raises(CheckpointError, match="does not exist"):
        Sampler.from_run(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="no checkpoint"):
        Sampler.from_run(tmp_path / "empty")


def test_corrupt_checkpoint_is_reported(run_dir, tmp_path):
    broken = shutil.copytree(run_dir, tmp_path / "broken")
    checkpoints.latest_checkpoint(broken).write_bytes(b"not a zip archive")
    with pytest.raises(CheckpointError, match="corrupt"):
        Sampler.from_run(broken)


def test_vocabulary_that_does_not_match_the_model(run_dir, tmp_path):
    other = tmp_path / "other.json"
    TextConverter.from_text("xyz").save(other)
    with pytest.raises(CheckpointError, match="vocabulary has 4 ids"):
        Sampler.from_run(run_dir, converter_path=other)


@pytest.mark.filterwarnings("ignore:Skipping nested container")  # Keras' own note on the mismatch, before ours
def test_config_that_does_not_match_the_weights(run_dir, tmp_path):
    changed = shutil.copytree(run_dir, tmp_path / "changed")
    config, facts = TrainConfig.load(changed / "config.json")
    config.replace(lstm_size=32).save(changed / "config.json", **facts)
    with pytest.raises(CheckpointError, match="does not match"):
        Sampler.from_run(changed)
