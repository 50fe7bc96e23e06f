"""Mini-batches for stateful training: `num_seqs` contiguous streams cut into `num_steps` windows.

Row i of batch k+1 continues row i of batch k, so the hidden state a stateful RNN carries from one
batch to the next belongs to the same stream of text.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from charrnn_lib import native
from charrnn_lib.errors import CorpusError


def count_batches(n_chars: int, num_seqs: int, num_steps: int) -> int:
    """How many full batches `n_chars` ids give; one id is kept back as the last target."""
    return max(n_chars - 1, 0) // (num_seqs * num_steps)


def make_batches(ids: np.ndarray, num_seqs: int, num_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """All batches of one pass as arrays `(n_batches, num_seqs, num_steps)`; `y` is `x` shifted by one."""
    ids = np.asarray(ids, dtype=np.int32).reshape(-1)
    n_batches = require_one_batch(len(ids), num_seqs, num_steps)
    usable = n_batches * num_seqs * num_steps
    # Each row is one contiguous stream: (num_seqs, n_batches * num_steps).
    x_rows = ids[:usable].reshape(num_seqs, -1)
    y_rows = ids[1 : usable + 1].reshape(num_seqs, -1)
    # (num_seqs, n_batches, num_steps) → (n_batches, num_seqs, num_steps)
    x = x_rows.reshape(num_seqs, n_batches, num_steps).transpose(1, 0, 2)
    y = y_rows.reshape(num_seqs, n_batches, num_steps).transpose(1, 0, 2)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def batch_generator(ids: np.ndarray, num_seqs: int, num_steps: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield the `(x, y)` windows of one pass, each `(num_seqs, num_steps)`, in stream order."""
    x, y = make_batches(ids, num_seqs, num_steps)
    yield from zip(x, y, strict=True)


def validation_size(n_chars: int, validation_fraction: float) -> int:
    """How many of `n_chars` ids `split_train_validation` holds out (the tail)."""
    return round(n_chars * validation_fraction)


def split_train_validation(ids: np.ndarray, validation_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Hold out the tail of the corpus for validation, so no validation text is seen in training (views, no copy)."""
    ids = np.asarray(ids).reshape(-1)
    n_validation = validation_size(len(ids), validation_fraction)
    if n_validation == 0:
        return ids, ids[:0]
    return ids[:-n_validation], ids[-n_validation:]


def make_dataset(ids: np.ndarray, num_seqs: int, num_steps: int, *, n_batches: int | None = None, start: int = 0,
                 stop: int | None = None):
    """Batches `start .. stop-1` of `(x, y)` for `fit`, in order (never shuffled): one pass by default.

    Batch `k` is window `k % n_batches` of the pass, so `stop` past the end goes round again. The windows are cut
    on the fly from one copy of the ids (in their own small integer type), so memory does not grow with the
    number of windows; `n_batches` below the most the text gives shortens each pass (the streams get shorter).
    On TensorFlow it is a `tf.data.Dataset`; on JAX and PyTorch a `keras.utils.PyDataset` of NumPy arrays.
    """
    ids = np.asarray(ids).reshape(-1)
    available = require_one_batch(len(ids), num_seqs, num_steps)
    n_batches = available if n_batches is None else min(n_batches, available)
    stop = n_batches if stop is None else stop
    return native.ops().batches(ids, window_offsets(num_seqs, num_steps, n_batches), num_steps, n_batches, start,
                                stop)


def window_offsets(num_seqs: int, num_steps: int, n_batches: int) -> np.ndarray:
    """Where each row's window of batch 0 lies in the ids, with one more column for the last target.

    `(num_seqs, num_steps + 1)`; batch `k`'s windows are these plus `k * num_steps`.
    """
    return (np.arange(num_seqs, dtype=np.int64)[:, np.newaxis] * (n_batches * num_steps)
            + np.arange(num_steps + 1, dtype=np.int64)[np.newaxis, :])


def require_one_batch(n_chars: int, num_seqs: int, num_steps: int) -> int:
    """`count_batches`, refusing a text too short for one batch."""
    n_batches = count_batches(n_chars, num_seqs, num_steps)
    if n_batches == 0:
        needed = num_seqs * num_steps + 1
        raise CorpusError(
            f"The text has {n_chars} characters, but one batch of num_seqs={num_seqs} × num_steps={num_steps} "
            f"needs at least {needed}; use more text or smaller num_seqs/num_steps.",
            f"文本只有 {n_chars} 个字符，而一个 num_seqs={num_seqs} × num_steps={num_steps} 的批次至少需要 "
            f"{needed} 个；请换更长的文本，或调小 num_seqs/num_steps。",
        )
    return n_batches
