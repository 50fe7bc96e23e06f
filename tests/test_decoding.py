"""charrnn_lib.lessons.decoding: the numbers lesson 10 compares decoding rules by."""

from __future__ import annotations

import numpy as np
import pytest

from charrnn_lib.errors import ConfigError
from charrnn_lib.lessons.decoding import bits_per_generated_character, distinct_n, verbatim_share, words


def test_distinct_n_counts_repeated_n_grams_across_all_texts():
    assert distinct_n(["abab"], 2) == pytest.approx(2 / 3)  # ab, ba, ab
    assert distinct_n(["abc", "abc"], 1) == pytest.approx(3 / 6)
    assert distinct_n(["aaaa"], 1) == pytest.approx(1 / 4)
    assert distinct_n(["a"], 2) == 0.0
    with pytest.raises(ConfigError):
        distinct_n(["abc"], 0)


def test_words_are_lower_case_and_keep_inner_apostrophes():
    assert words("What's done, Anna? 'Yes.'") == ["what's", "done", "anna", "yes"]


def test_verbatim_share_is_the_share_found_in_the_corpus():
    assert verbatim_share(["the", "cat", "zzq", "the"], {"the", "cat"}) == pytest.approx(3 / 4)
    assert verbatim_share([], {"the"}) == 0.0


def test_bits_per_generated_character_scores_the_generated_ids_by_the_row_before_them():
    probabilities = np.array([[0.5, 0.25, 0.25], [0.125, 0.75, 0.125], [1 / 3, 1 / 3, 1 / 3]])
    logits = np.log(probabilities) + 7.0  # a constant per row changes nothing
    ids = [0, 0, 1]
    # id 0 after row 0 costs 1 bit, id 1 after row 1 costs log2(4/3) bits; the prime id 0 is not scored
    assert bits_per_generated_character(logits, ids, 1) == pytest.approx((1 + np.log2(4 / 3)) / 2)
    assert bits_per_generated_character(logits, ids, 2) == pytest.approx(np.log2(4 / 3))
