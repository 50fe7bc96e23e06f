"""The sampler's whole-vocabulary pieces: the inverse-CDF search and top-p by rejection, each on its own."""

import keras
import numpy as np
import pytest

from charrnn_lib.generation import BLOCK, draw_nucleus, first_reaching, inverse_cdf, kept_by_nucleus, nucleus
from charrnn_lib.sample import next_char_probabilities

ops = keras.ops
ROWS = 20_000


def weights_with_gaps(vocab: int = 2 * BLOCK + 22) -> np.ndarray:
    """Weights over a vocabulary that is not a whole number of blocks, with a block of zeros and scattered zeros."""
    weights = np.random.default_rng(0).random(vocab).astype(np.float32)
    weights[BLOCK:2 * BLOCK] = 0.0  # a whole block that can never be drawn
    weights[::7] = 0.0
    weights[-1] = 0.0  # the last real id, next to the padding
    return weights


def drawn_ids(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    rows = np.broadcast_to(weights, (len(uniforms), len(weights)))
    return ops.convert_to_numpy(inverse_cdf(ops.convert_to_tensor(rows), ops.convert_to_tensor(uniforms)))


def test_inverse_cdf_draws_each_id_in_proportion_to_its_weight():
    weights = weights_with_gaps()
    ids = drawn_ids(weights, np.random.default_rng(1).uniform(1e-30, 1.0, ROWS).astype(np.float32))
    shares = np.bincount(ids, minlength=len(weights)) / ROWS
    expected = weights / weights.sum()
    assert ids.max() < len(weights) and np.all(shares[expected == 0] == 0)
    assert np.all(np.abs(shares - expected) <= 5 * np.sqrt(expected * (1 - expected) / ROWS) + 1e-12)


def test_inverse_cdf_picks_the_first_and_last_ids_of_weight_at_the_ends_of_the_range():
    weights = weights_with_gaps()
    positive = np.flatnonzero(weights)
    extremes = np.array([1e-30, np.nextafter(np.float32(1), np.float32(0))], np.float32)
    assert drawn_ids(weights, extremes).tolist() == [positive[0], positive[-1]]
    one_id = np.zeros_like(weights)
    one_id[BLOCK + 3] = 1e-6  # a mask that leaves one id of a tiny probability
    assert set(drawn_ids(one_id, np.linspace(1e-30, 0.999, 50, dtype=np.float32)).tolist()) == {BLOCK + 3}


def test_the_search_never_lands_on_a_zero_weight_even_when_rounding_leaves_every_total_short():
    weights = np.array([[0.2, 0.3, 0.0, 0.0], [0.0, 0.3, 0.0, 0.2]], np.float32)
    ends = np.cumsum(weights, axis=1)
    short = np.array([0.5000001, 0.5000001], np.float32)  # past every running total: the last id of weight
    assert ops.convert_to_numpy(first_reaching(ends, weights, short)).tolist() == [1, 3]
    within = np.array([0.25, 0.1], np.float32)
    assert ops.convert_to_numpy(first_reaching(ends, weights, within)).tolist() == [1, 1]


def random_distributions(rows: int = 40, vocab: int = 300) -> np.ndarray:
    """Softmax rows with ties (logits rounded to a coarse grid), as float32."""
    logits = np.round(np.random.default_rng(2).normal(0, 2, (rows, vocab)) * 4) / 4
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (probabilities / probabilities.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("top_p", [0.3, 0.9])
def test_the_one_pass_membership_test_agrees_with_the_bisection_and_the_reference(top_p):
    probabilities = random_distributions()
    whole = ops.convert_to_numpy(nucleus(ops.convert_to_tensor(probabilities), top_p))  # (rows, vocab)
    tensor = ops.convert_to_tensor(probabilities)
    each = np.stack([ops.convert_to_numpy(kept_by_nucleus(tensor, ops.full((len(probabilities),), index, "int32"),
                                                          top_p))
                     for index in range(probabilities.shape[1])], axis=1)
    np.testing.assert_array_equal(each, whole)
    reference = np.stack([next_char_probabilities(np.log(row), top_n=None, top_p=top_p) > 0 for row in probabilities])
    np.testing.assert_array_equal(each, reference)


@pytest.mark.parametrize("attempts", [1, 8])  # 1: most rows miss the nucleus once and take the exact fallback
def test_top_p_by_rejection_draws_the_reference_nucleus(attempts):
    logits = np.log(np.array([0.12, 0.1, 0.09, 0.08] + [0.61 / 60] * 60))  # a long flat tail: top-p 0.3 keeps 3 ids
    expected = next_char_probabilities(logits, top_n=None, top_p=0.3)
    assert np.count_nonzero(expected) == 3
    rows = ops.convert_to_tensor(np.broadcast_to(np.exp(logits), (ROWS, len(logits))).astype(np.float32))
    ids = ops.convert_to_numpy(draw_nucleus(rows, 0.3, ops.convert_to_tensor([7, 0], "int32"), attempts=attempts))
    shares = np.bincount(ids, minlength=len(logits)) / ROWS
    assert np.all(shares[expected == 0] == 0)
    assert np.all(np.abs(shares - expected) <= 5 * np.sqrt(expected * (1 - expected) / ROWS))
