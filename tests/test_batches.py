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
    x, y = make_batches(ids, num_seqs=2, num_steps=5)
    # 100 usable inputs (one id kept back as the last target) → 100 / (2 × 5) = 10 batches.
    assert x.shape == y.shape == (10, 2, 5)
    assert count_batches(101, 2, 5) == 10


def test_targets_are_the_true_next_characters_including_the_last_column():
    ids = np.arange(61)
    for x, y in batch_generator(ids, num_seqs=3, num_steps=4):
        np.testing.assert_array_equal(y, x + 1)  # ids are consecutive, so the next id is x + 1 everywhere


def test_each_row_continues_across_batches():
    ids = np.arange(2 * 3 * 4 + 1)
    batches = list(batch_generator(ids, num_seqs=2, num_steps=4))
    assert len(batches) == 3
    for row in range(2):
        stream = np.concatenate([x[row] for x, _ in batches])
        # Row i is one contiguous slice of the corpus: 0..11 for row 0, 12..23 for row 1.
        np.testing.assert_array_equal(stream, np.arange(row * 12, row * 12 + 12))


def test_too_short_corpus_says_how_many_characters_are_needed():
    with pytest.raises(CorpusError, match="at least 833"):
        make_batches(np.arange(500), num_seqs=32, num_steps=26)


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


def test_dataset_cuts_windows_from_one_compact_copy_and_goes_round_again_past_a_pass():
    ids = np.arange(61).astype(np.uint8)  # 6 batches of 2 × 5 per pass
    x, y = make_batches(ids, 2, 5)
    cycled = list(make_dataset(ids, 2, 5, start=4, stop=9).as_numpy_iterator())
    assert [batch_x.dtype for batch_x, _ in cycled] == [np.int32] * 5
    for offset, (batch_x, batch_y) in enumerate(cycled):
        np.testing.assert_array_equal(batch_x, x[(4 + offset) % 6])
        np.testing.assert_array_equal(batch_y, y[(4 + offset) % 6])


def test_dataset_with_fewer_batches_per_pass_uses_shorter_streams():
    ids = np.arange(61)
    short = list(make_dataset(ids, 2, 5, n_batches=4).as_numpy_iterator())
    x, _ = make_batches(ids[: 4 * 2 * 5 + 1], 2, 5)
    assert len(short) == 4
    np.testing.assert_array_equal(np.stack([batch_x for batch_x, _ in short]), x)
