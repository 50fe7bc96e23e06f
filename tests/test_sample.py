import shutil
import warnings

import numpy as np
import pytest

from charrnn_lib import checkpoints
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CheckpointError, ConfigError, VocabularyError
from charrnn_lib.model import build_char_rnn, build_model, recurrent_layers, reset_states
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler, apply_temperature, next_char_probabilities, pick_top_n
from charrnn_lib.text import TextConverter
from charrnn_lib.training import train

CYCLE = "abcdefghij\n" * 300
# A model whose every step writes these logits (ids 0..7; id 8 is <unk>, with the largest logit of all).
CONSTANT_VOCAB = TextConverter(list("abcdefgh"))
CONSTANT_LOGITS = np.array([2.0, 1.6, 1.1, 0.7, 0.35, 0.0, -0.6, -1.2, 3.0])
TIED_LOGITS = np.array([1.0, 0.5, 0.5, 0.5, 0.5, 0.0, -0.5, -1.0, 3.0])  # top-p 0.5 keeps ids 0, 1, 2: not 3, 4
DRAWS = 2000  # samples per test, each `POSITIONS` characters long
POSITIONS = 4


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny model that has learned the cycle a→b→…→j→newline."""
    config = TrainConfig.from_knobs(name="cycle", num_seqs=8, num_steps=20, lstm_size=48, num_layers=2,
                                    learning_rate=0.01, train_keep_prob=1.0, max_steps=120, save_every_n=60,
                                    log_every_n=20, seed=3)
    return train(CYCLE, config, tmp_path_factory.mktemp("runs") / "cycle", verbose=0).run_dir


def constant_sampler_for(logits: np.ndarray) -> Sampler:
    """Zero kernels and a chosen output bias: the next-character logits are `logits` at every step.

    Built at batch size 32 with dropout, like a training model: the sampler must not care.
    """
    model = build_char_rnn(CONSTANT_VOCAB.vocab_size, lstm_size=4, num_layers=2, batch_size=32, keep_prob=0.5)
    weights = [np.zeros_like(weight) for weight in model.get_weights()]
    weights[-1] = logits.astype(np.float32)  # the logits layer's bias
    model.set_weights(weights)
    return Sampler(model, CONSTANT_VOCAB)


@pytest.fixture(scope="module")
def constant_sampler():
    return constant_sampler_for(CONSTANT_LOGITS)


def drawn_shares(sampler: Sampler, **settings) -> np.ndarray:
    """`(POSITIONS, vocab_size)`: how often each id was drawn at each generated position, over DRAWS samples."""
    texts = sampler.sample("a", POSITIONS, num_samples=DRAWS, seed=5, **settings)
    ids = np.stack([sampler.converter.encode(text[1:]) for text in texts])  # (DRAWS, POSITIONS)
    return np.stack([np.bincount(column, minlength=sampler.converter.vocab_size) / DRAWS for column in ids.T])


def assert_draws_follow(shares: np.ndarray, expected: np.ndarray) -> None:
    """Ids of probability 0 are never drawn; every share lies within 5 standard errors of its probability."""
    expected = np.broadcast_to(expected, shares.shape)
    assert np.all(shares[expected == 0] == 0), (shares, expected)
    tolerance = 5 * np.sqrt(expected * (1 - expected) / DRAWS)
    assert np.all(np.abs(shares - expected) <= tolerance), (shares, expected)


# --- the NumPy reference --------------------------------------------------------------------------------------------

def test_pick_top_n_only_draws_among_the_n_most_likely():
    probabilities = np.array([0.05, 0.4, 0.01, 0.3, 0.24])
    rng = np.random.default_rng(0)
    drawn = {pick_top_n(probabilities, top_n=2, rng=rng) for _ in range(200)}
    assert drawn == {1, 3}
    assert pick_top_n(probabilities, top_n=1, rng=rng) == 1
    assert {pick_top_n(probabilities, top_n=9, rng=rng) for _ in range(400)} == {0, 1, 2, 3, 4}  # capped at vocab


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.0])
    cold, warm = apply_temperature(logits, 0.5), apply_temperature(logits, 2.0)
    np.testing.assert_allclose(cold.sum(), 1.0)
    assert cold[0] > apply_temperature(logits, 1.0)[0] > warm[0]


def test_reference_rules_on_a_hand_worked_distribution():
    logits = np.log([0.5, 0.3, 0.15, 0.05, 0.9])  # id 4 plays <unk>
    np.testing.assert_allclose(next_char_probabilities(logits, unk_id=4), [0.5, 0.3, 0.15, 0.05, 0])
    np.testing.assert_allclose(next_char_probabilities(logits, unk_id=4, top_n=3), [0.5 / 0.95, 0.3 / 0.95,
                                                                                    0.15 / 0.95, 0, 0])
    np.testing.assert_allclose(next_char_probabilities(logits, unk_id=4, top_p=0.75), [0.625, 0.375, 0, 0, 0])
    squared = np.array([0.25, 0.09, 0.0225, 0.0025, 0])  # temperature 0.5 squares the probabilities
    np.testing.assert_allclose(next_char_probabilities(logits, unk_id=4, temperature=0.5), squared / squared.sum())
    allowed = np.array([False, True, True, True, True])
    np.testing.assert_allclose(next_char_probabilities(logits, unk_id=4, allowed=allowed), [0, 0.6, 0.3, 0.1, 0])


def test_reference_measures_top_p_after_the_top_n_cut_and_breaks_ties_by_the_lower_id():
    logits = np.log([0.4, 0.3, 0.2, 0.1])
    # After top-2 the first id holds 4/7 ≥ 0.5 on its own (before the cut it held only 0.4).
    np.testing.assert_allclose(next_char_probabilities(logits, top_n=2, top_p=0.5), [1, 0, 0, 0])
    np.testing.assert_allclose(next_char_probabilities(np.array([1.0, 0.0, 1.0, 1.0]), top_n=2), [0.5, 0, 0.5, 0])


def test_reference_refuses_a_mask_that_leaves_nothing_to_draw():
    with pytest.raises(ConfigError, match="allows no id"):
        next_char_probabilities(np.zeros(3), unk_id=2, allowed=np.array([False, False, True]))


# --- the compiled sampler draws from the reference distribution ------------------------------------------------------

@pytest.mark.parametrize(("top_n", "temperature"), [(4, 0.7), (6, 1.6), (8, 1.2), (None, 1.5)])  # 8: a power of two
def test_top_n_and_temperature_draw_the_reference_distribution(constant_sampler, top_n, temperature):
    expected = next_char_probabilities(CONSTANT_LOGITS, unk_id=CONSTANT_VOCAB.unk_id, top_n=top_n,
                                       temperature=temperature)
    assert_draws_follow(drawn_shares(constant_sampler, top_n=top_n, temperature=temperature), expected)


@pytest.mark.parametrize(("top_n", "top_p", "temperature"), [(None, 0.77, 1.3), (5, 0.7, 0.8), (None, 1.0, 1.0)])
def test_top_p_draws_the_reference_distribution(constant_sampler, top_n, top_p, temperature):
    rules = dict(unk_id=CONSTANT_VOCAB.unk_id, top_n=top_n, temperature=temperature)
    expected = next_char_probabilities(CONSTANT_LOGITS, top_p=top_p, **rules)
    if top_p < 1.0:  # a real cut, so that the test tells top-p from no top-p
        assert np.count_nonzero(expected) < np.count_nonzero(next_char_probabilities(CONSTANT_LOGITS, **rules))
    shares = drawn_shares(constant_sampler, top_n=top_n, top_p=top_p, temperature=temperature)
    assert_draws_follow(shares, expected)


@pytest.mark.parametrize("top_n", [None, 7])  # the whole vocabulary (no sort), or within the top n
def test_top_p_keeps_tied_ids_lowest_id_first_like_the_reference(top_n):
    expected = next_char_probabilities(TIED_LOGITS, unk_id=CONSTANT_VOCAB.unk_id, top_n=top_n, top_p=0.5)
    assert np.flatnonzero(expected).tolist() == [0, 1, 2]
    assert_draws_follow(drawn_shares(constant_sampler_for(TIED_LOGITS), top_n=top_n, top_p=0.5), expected)


def test_position_masks_draw_the_reference_distribution(constant_sampler):
    allowed = np.ones((3, CONSTANT_VOCAB.vocab_size), dtype=bool)  # masks for positions 0..2; position 3 is free
    allowed[0, [0, 1, 2]] = False  # the three most probable ids are forbidden at position 0
    allowed[2] = False
    allowed[2, [5, 8]] = True  # one character (and <unk>, which is never drawn) at position 2: a head
    shares = drawn_shares(constant_sampler, top_n=3, temperature=0.8, constraints=allowed)
    expected = [next_char_probabilities(CONSTANT_LOGITS, unk_id=CONSTANT_VOCAB.unk_id, top_n=3, temperature=0.8,
                                        allowed=mask) for mask in [*allowed, None]]
    assert_draws_follow(shares, np.stack(expected))
    assert np.all(shares[2, 5] == 1.0)


def test_a_position_that_allows_nothing_is_named_before_sampling(constant_sampler):
    masks = PositionMasks.from_characters(CONSTANT_VOCAB, [None, "ab", None])
    blocked = masks.to_array()
    blocked[2] = False
    blocked[2, CONSTANT_VOCAB.unk_id] = True  # only <unk>, which the sampler never draws
    with pytest.raises(ConfigError, match="position 2"):
        constant_sampler.sample("a", 5, constraints=blocked)
    with pytest.raises(ConfigError, match="cover 3 ids"):
        constant_sampler.sample("a", 5, constraints=np.ones((2, 3), dtype=bool))


def test_masks_fix_the_characters_they_name_and_leave_the_other_positions_to_the_model(constant_sampler):
    masks = PositionMasks.from_characters(CONSTANT_VOCAB, ["h", None, "ab", None, "h"])  # positions 5 on are free
    texts = constant_sampler.sample("a", 8, num_samples=300, top_n=None, seed=4, constraints=masks)
    columns = [{text[1 + position] for text in texts} for position in range(8)]  # what each position took
    assert columns[0] == columns[4] == {"h"} and columns[2] == {"a", "b"}
    assert all(len(columns[position]) > 3 for position in (1, 3, 5, 6, 7))
    # The same masks written out position by position draw the same texts.
    assert constant_sampler.sample("a", 8, num_samples=300, top_n=None, seed=4, constraints=masks.to_array()) == texts
    with pytest.raises(VocabularyError, match="z"):
        PositionMasks.from_characters(CONSTANT_VOCAB, ["z"])


# --- the compiled sampler on trained models ----------------------------------------------------------------------

def test_sampler_continues_the_learned_cycle(run_dir):
    sampler = Sampler.from_run(run_dir)
    # One full cycle of context tells the model where in the cycle it is.
    [text] = sampler.sample("abcdefghij\nabc", 40, top_n=1, seed=0)
    assert text == ("abcdefghij\n" * 6)[:54]


def test_compiled_generation_matches_a_plain_greedy_loop(run_dir):
    sampler = Sampler.from_run(run_dir)
    model = sampler.model
    reset_states(model)
    logits = model(sampler.prime_ids("fgh")[None, :]).numpy()[0, -1]
    expected = []
    for _ in range(25):
        logits[sampler.converter.unk_id] = -np.inf
        expected.append(int(np.argmax(logits)))
        logits = model(np.array([[expected[-1]]], dtype="int32")).numpy()[0, -1]
    [text] = sampler.sample("fgh", 25, top_n=1, seed=0)
    np.testing.assert_array_equal(sampler.converter.encode(text[3:]), expected)


def test_scored_samples_carry_the_models_own_log_likelihood(run_dir):
    """The score of each drawn text is the mean log-probability the whole model gives its generated characters,
    before temperature: a hot sample of the learned cycle scores far below a greedy one."""
    from charrnn_lib.poetry import character_log_probabilities

    sampler = Sampler.from_run(run_dir)
    scored = sampler.sample_scored("cde", 12, num_samples=4, seed=2, top_n=None, temperature=3.0)
    scored += sampler.sample_scored("cde", 12, seed=2, top_n=1)
    for text, score in scored:
        np.testing.assert_allclose(score, character_log_probabilities(sampler, text)[3:].mean(), atol=1e-4)
    assert min(score for _, score in scored[:4]) < scored[4][1] - 1.0
    assert [text for text, _ in scored[:4]] == sampler.sample("cde", 12, num_samples=4, seed=2, top_n=None,
                                                              temperature=3.0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("use_embedding", [True, False])
def test_stepping_the_cells_matches_the_model_for_every_architecture(cell, use_embedding):
    """The sampler steps each recurrent cell directly; logits must equal the whole model's, row by row."""
    converter = TextConverter.from_text(CYCLE)
    config = TrainConfig.from_knobs(lstm_size=16, num_layers=2, use_embedding=use_embedding, embedding_size=8,
                                    train_keep_prob=0.5, cell=cell, seed=1)  # dropout layers exist only in training
    trained = build_model(config.architecture, converter.vocab_size, 3, keep_prob=config.train_keep_prob)
    sampler = Sampler(trained, converter)
    drawn = np.stack([converter.encode(text[4:]) for text in sampler.sample("cdef", 12, num_samples=3, top_n=1,
                                                                            seed=0)])  # (3, 12)
    reset_states(trained)
    logits = trained(np.broadcast_to(sampler.prime_ids("cdef"), (3, 5)), training=False).numpy()[:, -1]
    for position in range(12):
        logits[:, converter.unk_id] = -np.inf
        np.testing.assert_array_equal(drawn[:, position], logits.argmax(axis=1))
        logits = trained(drawn[:, position:position + 1], training=False).numpy()[:, -1]


def test_generation_leaves_the_models_stored_state_alone(run_dir):
    sampler = Sampler.from_run(run_dir)
    sampler.model(np.array([[1, 2, 3]], dtype="int32"))
    before = [variable.numpy() for layer in recurrent_layers(sampler.model) for variable in layer.states]
    sampler.sample("abc", 20, seed=0)
    after = [variable.numpy() for layer in recurrent_layers(sampler.model) for variable in layer.states]
    assert before and all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))


def test_the_sampler_uses_the_weights_the_model_has_now(run_dir):
    sampler = Sampler.from_run(run_dir)
    [trained] = sampler.sample("abc", 10, top_n=1, seed=0)
    saved = sampler.model.get_weights()
    sampler.model.set_weights([np.zeros_like(weight) for weight in saved])  # every logit 0: draws spread out
    assert sampler.sample("abc", 10, top_n=None, seed=0)[0] != trained
    sampler.model.set_weights(saved)
    assert sampler.sample("abc", 10, top_n=1, seed=0) == [trained]


def test_seed_makes_sampling_reproducible_and_rows_differ(run_dir):
    sampler = Sampler.from_run(run_dir)
    first = sampler.sample("a", 60, top_n=5, top_p=0.9, temperature=2.0, seed=11)
    assert first == sampler.sample("a", 60, top_n=5, top_p=0.9, temperature=2.0, seed=11)
    rows = sampler.sample("a", 60, num_samples=6, top_n=5, temperature=2.0, seed=11)
    assert len(rows) == 6 and all(len(row) == 61 and row.startswith("a") for row in rows)
    assert len(set(rows)) > 1  # each row draws its own characters


def test_unknown_prime_characters_are_named_or_mapped_with_a_warning(run_dir):
    sampler = Sampler.from_run(run_dir)
    with pytest.raises(VocabularyError, match="'X'"):
        sampler.sample("aXb", 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        [text] = sampler.sample("aXb", 5, allow_unknown=True, seed=0)
    assert text.startswith("aXb") and len(text) == 8 and any("<unk>" in str(w.message) for w in caught)


@pytest.mark.parametrize(("kwargs", "knob"), [({"top_n": 0}, "top_n"), ({"temperature": 0.0}, "temperature"),
                                              ({"max_length": -1}, "max_length"), ({"top_p": 0.0}, "top_p"),
                                              ({"top_p": 1.5}, "top_p"), ({"num_samples": 0}, "num_samples")])
def test_nonsensical_sampling_settings_are_refused(run_dir, kwargs, knob):
    sampler = Sampler.from_run(run_dir)
    with pytest.raises(ConfigError, match=knob):
        sampler.sample("a", **{"max_length": 5, **kwargs})


def test_a_model_for_another_vocabulary_is_refused():
    model = build_char_rnn(5, lstm_size=4, num_layers=1, batch_size=1)
    with pytest.raises(ConfigError, match="5 logits but the vocabulary has 9"):
        Sampler(model, CONSTANT_VOCAB)


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
