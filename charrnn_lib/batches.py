"""Mini-batches for stateful training: `n_seqs` contiguous streams cut into `n_steps` windows.

Row i of batch k+1 continues row i of batch k, so the hidden state a stateful RNN carries from one
batch to the next belongs to the same stream of text.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from charrnn_lib.errors import CorpusError


def count_batches(n_chars: int, n_seqs: int, n_steps: int) -> int:
    """How many full batches `n_chars` ids give; one id is kept back as the last target."""
    return max(n_chars - 1, 0) // (n_seqs * n_steps)


def make_batches(ids: np.ndarray, n_seqs: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """All batches of one pass as arrays `(n_batches, n_seqs, n_steps)`; `y` is `x` shifted by one."""
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    n_batches = count_batches(len(ids), n_seqs, n_steps)
    if n_batches == 0:
        needed = n_seqs * n_steps + 1
        raise CorpusError(
            f"The text has {len(ids)} characters, but one batch of num_seqs={n_seqs} × num_steps={n_steps} "
            f"needs at least {needed}; use more text or smaller num_seqs/num_steps.",
            f"文本只有 {len(ids)} 个字符，而一个 num_seqs={n_seqs} × num_steps={n_steps} 的批次至少需要 "
            f"{needed} 个；请换更长的文本，或调小 num_seqs/num_steps。",
        )
    usable = n_batches * n_seqs * n_steps
    # Each row is one contiguous stream: (n_seqs, n_batches * n_steps).
    x_rows = ids[:usable].reshape(n_seqs, -1)
    y_rows = ids[1 : usable + 1].reshape(n_seqs, -1)
    # (n_seqs, n_batches, n_steps) → (n_batches, n_seqs, n_steps)
    x = x_rows.reshape(n_seqs, n_batches, n_steps).transpose(1, 0, 2)
    y = y_rows.reshape(n_seqs, n_batches, n_steps).transpose(1, 0, 2)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def batch_generator(ids: np.ndarray, n_seqs: int, n_steps: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the `(x, y)` windows of one pass, each `(n_seqs, n_steps)`, in stream order."""
    x, y = make_batches(ids, n_seqs, n_steps)
    yield from zip(x, y, strict=True)


def validation_size(n_chars: int, validation_fraction: float) -> int:
    """How many of `n_chars` ids `split_train_validation` holds out (the tail)."""
    return round(n_chars * validation_fraction)


def split_train_validation(ids: np.ndarray, validation_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold out the tail of the corpus for validation, so no validation text is seen in training."""
    ids = np.asarray(ids).reshape(-1)
    n_validation = validation_size(len(ids), validation_fraction)
    if n_validation == 0:
        return ids, ids[:0]
    return ids[:-n_validation], ids[-n_validation:]


def make_dataset(ids: np.ndarray, n_seqs: int, n_steps: int):
    """One pass as an in-memory `tf.data.Dataset` of `(x, y)` batches, in order (never shuffled)."""
    import tensorflow as tf

    x, y = make_batches(ids, n_seqs, n_steps)
    return tf.data.Dataset.from_tensor_slices((x, y)).prefetch(tf.data.AUTOTUNE)
