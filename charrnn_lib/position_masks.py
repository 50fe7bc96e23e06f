"""Per-position masks: which vocabulary ids each generated position may take (格律 decoding, acrostic heads).

A poem repeats a handful of masks (any character, one head character, only '，', only 平 characters) over
many positions, so masks are stored as a small table of distinct rows plus one row index per position:
the compiled sampler keeps `(num_masks, vocab_size)` booleans, not `(length, vocab_size)`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.text import TextConverter


@dataclasses.dataclass(frozen=True)
class PositionMasks:
    """Generated position i may only take the ids where `table[rows[i]]` is True; later positions are free."""

    table: np.ndarray  # (num_masks, vocab_size) bool: the distinct masks
    rows: np.ndarray  # (length,) int: the mask of each generated position

    def __post_init__(self) -> None:
        table, rows = np.asarray(self.table), np.asarray(self.rows)
        if table.ndim != 2 or table.dtype != bool or rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
            raise ConfigError(
                f"PositionMasks needs a 2-D boolean table and 1-D integer rows, got table {table.dtype} "
                f"{table.shape} and rows {rows.dtype} {rows.shape}; build it with PositionMasks.from_array.",
                f"PositionMasks 需要二维布尔 table 和一维整数 rows，收到 table {table.dtype} {table.shape}、"
                f"rows {rows.dtype} {rows.shape}；请用 PositionMasks.from_array 构造。",
            )
        if rows.size and (rows.min() < 0 or rows.max() >= len(table)):
            raise ConfigError(
                f"PositionMasks rows must index the table (0..{len(table) - 1}), got {rows.min()}..{rows.max()}.",
                f"PositionMasks 的 rows 必须是 table 的行号（0..{len(table) - 1}），收到 {rows.min()}..{rows.max()}。",
            )
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "rows", rows.astype(np.int32))

    @classmethod
    def from_array(cls, allowed: np.ndarray) -> PositionMasks:
        """From a full `(length, vocab_size)` boolean array: row i says which ids generated position i allows."""
        allowed = np.asarray(allowed)
        if allowed.ndim != 2 or allowed.dtype != bool:
            raise ConfigError(
                f"Position masks must be a (length, vocab_size) boolean array, got {allowed.dtype} {allowed.shape}.",
                f"位置掩码必须是形状为 (length, vocab_size) 的布尔数组，收到 {allowed.dtype} {allowed.shape}。",
            )
        table, rows = np.unique(allowed, axis=0, return_inverse=True)
        return cls(table, rows.reshape(-1))

    @classmethod
    def from_characters(cls, converter: TextConverter, choices: Sequence[str | None]) -> PositionMasks:
        """Generated position i may only take the characters of `choices[i]`; `None` allows any character.

        E.g. `["春", None, None, None, None, "，"]`: a line that starts with 春 and has its comma at position 5.
        """
        unknown = sorted({char for choice in choices if choice for char in converter.unknown_characters(choice)})
        if unknown:
            raise VocabularyError(
                f"The model never saw these characters in the masks: {' '.join(unknown)}; choose others.",
                f"掩码中有模型没见过的字：{' '.join(unknown)}；请换成别的字。",
            )
        distinct = sorted({choice for choice in choices if choice is not None})
        table = np.ones((1 + len(distinct), converter.vocab_size), dtype=bool)  # row 0: any character
        table[1:] = False
        for row, choice in enumerate(distinct, start=1):
            table[row, converter.encode(choice)] = True
        index = {choice: row for row, choice in enumerate(distinct, start=1)}
        return cls(table, np.array([0 if choice is None else index[choice] for choice in choices], dtype=np.int32))

    @property
    def vocab_size(self) -> int:
        return self.table.shape[1]

    def to_array(self) -> np.ndarray:
        """The full `(length, vocab_size)` boolean array (for reading and testing; sampling uses the table)."""
        return self.table[self.rows]

    def require_some_id(self, forbidden: int) -> None:
        """Refuse masks that leave a position nothing to draw once id `forbidden` (`<unk>`) is taken away."""
        drawable = self.table.copy()
        drawable[:, forbidden] = False
        empty = np.flatnonzero(~drawable.any(axis=1)[self.rows])
        if empty.size:
            raise ConfigError(
                f"The masks allow no character at generated position {empty[0]} (<unk> is never drawn); "
                f"allow at least one id there or leave that position free.",
                f"掩码在生成的第 {empty[0]} 个位置上不允许任何字符（<unk> 从不会被抽到）；"
                f"请在那里至少允许一个编号，或不限制该位置。",
            )
