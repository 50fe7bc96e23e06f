import numpy as np
import pytest

from charrnn_lib.batches import (
    batch_generator,
    count_batches,
    make_batches,
    make_dataset,
    split_train_validation,
)
from charrnn_lib.errors import CorpusError


def test_shapes_and_batch_count():
    ids = np.arange(101)
    x, y = make_batches(ids, n_seqs=2, n_steps=5)
    # 100 usable inputs (one id kept back as the last target) → 100 / (2 × 5) = 10 batches.
    assert x.shape == y.shape == (10, 2, 5)
    assert count_batches(101, 2, 5) == 10


def test_targets_are_the_true_next_characters_including_the_last_column():
    ids = np.arange(61)
    for x, y in batch_generator(ids, n_seqs=3, n_steps=4):
        np.testing.assert_array_equal(y, x + 1)  # ids are consecutive, so the next id is x + 1 everywhere


def test_each_row_continues_across_batches():
    ids = np.arange(2 * 3 * 4 + 1)
    batches = list(batch_generator(ids, n_seqs=2, n_steps=4))
    assert len(batches) == 3
    for row in range(2):
        stream = np.concatenate([x[row] for x, _ in batches])
        # Row i is one contiguous slice of the corpus: 0..11 for row 0, 12..23 for row 1.
        np.testing.assert_array_equal(stream, np.arange(row * 12, row * 12 + 12))


def test_too_short_corpus_says_how_many_characters_are_needed():
    with pytest.raises(CorpusError, match="at least 833"):
        make_batches(np.arange(500), n_seqs=32, n_steps=26)


def test_validation_is_the_held_out_tail():
    ids = np.arange(100)
    train_ids, validation_ids = split_train_validation(ids, 0.1)
    np.testing.assert_array_equal(validation_ids, np.arange(90, 100))
    np.testing.assert_array_equal(train_ids, np.arange(90))
    assert len(split_train_validation(ids, 0.0)[1]) == 0


def test_dataset_yields_the_same_batches_in_order():
    ids = np.arange(41)
    x, y = make_batches(ids, 2, 5)
    from_dataset = list(make_dataset(ids, 2, 5).as_numpy_iterator())
    assert len(from_dataset) == len(x)
    for (dx, dy), ex, ey in zip(from_dataset, x, y, strict=True):
        np.testing.assert_array_equal(dx, ex)
        np.testing.assert_array_equal(dy, ey)
