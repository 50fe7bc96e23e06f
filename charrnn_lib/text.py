"""Text ↔ integer ids: a character vocabulary ordered by frequency, with `<unk>` for the rest."""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from charrnn_lib.errors import CorpusError, VocabularyError
from charrnn_lib.versioned_json import VersionedJson

UNK_TOKEN = "<unk>"
VOCABULARY_JSON = VersionedJson(
    "charrnn-vocabulary", (1,), VocabularyError, ("vocabulary file", "词表文件"),
    ("old pickled .pkl files are not read, for safety: pass the converter.json of the run you trained, or rebuild "
     "it with TextConverter.from_text(...).save(path)",
     "出于安全考虑不读取旧的 pickle .pkl 文件：请传入训练时生成的 converter.json，"
     "或用 TextConverter.from_text(...).save(path) 重建词表"))


def read_corpus(path: str | os.PathLike) -> str:
    """Read a UTF-8 text file, dropping a BOM and normalising line endings to `\\n`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(
            f"Input file {path} does not exist; check the path (or use `charrnn data path NAME`).",
            f"输入文件 {path} 不存在；请检查路径（或用 `charrnn data path NAME` 查找语料）。",
        ) from None
    except IsADirectoryError:
        raise CorpusError(f"{path} is a folder, not a text file.", f"{path} 是文件夹，不是文本文件。") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(
            f"{path} is not UTF-8 (bad byte at offset {error.start}); convert it, "
            f"e.g. `iconv -f GBK -t UTF-8 {path.name} > {path.stem}.utf8.txt`.",
            f"{path} 不是 UTF-8 编码（第 {error.start} 个字节无法解码）；请先转换编码，"
            f"例如 `iconv -f GBK -t UTF-8 {path.name} > {path.stem}.utf8.txt`。",
        ) from None
    text = normalize_newlines(text.removeprefix("\ufeff"))
    if not text.strip():
        raise CorpusError(
            f"{path} is empty; a character model needs text to learn from.",
            f"{path} 是空文件；字符模型需要文本才能学习。",
        )
    return text


def normalize_newlines(text: str) -> str:
    """Map Windows (`\\r\\n`) and old Mac (`\\r`) line endings to `\\n`."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class TextConverter:
    """Maps characters to ids and back; the most frequent character gets id 0, `<unk>` the last id."""

    def __init__(self, vocab: Iterable[str]) -> None:
        self.vocab: list[str] = list(vocab)
        if not self.vocab:
            raise VocabularyError("A vocabulary needs at least one character.", "词表至少需要一个字符。")
        if len(set(self.vocab)) != len(self.vocab) or any(len(token) != 1 for token in self.vocab):
            raise VocabularyError(
                "A vocabulary must list distinct single characters.", "词表必须由互不相同的单个字符组成。"
            )
        self._char_to_id = {char: index for index, char in enumerate(self.vocab)}

    @classmethod
    def from_text(cls, text: str, max_vocab: int | None = None) -> TextConverter:
        """Keep the `max_vocab` most frequent characters; ties go to the smaller code point."""
        if not text:
            raise CorpusError("Cannot build a vocabulary from empty text.", "无法从空文本建立词表。")
        if max_vocab is not None and max_vocab < 1:
            raise VocabularyError(
                f"max_vocab must be a positive whole number, got {max_vocab!r}.",
                f"max_vocab 必须是正整数，收到 {max_vocab!r}。",
            )
        counts = collections.Counter(text)
        ordered = sorted(counts, key=lambda char: (-counts[char], char))
        return cls(ordered[:max_vocab])

    @property
    def vocab_size(self) -> int:
        """Number of ids, `<unk>` included."""
        return len(self.vocab) + 1

    @property
    def unk_id(self) -> int:
        return len(self.vocab)

    def unknown_characters(self, text: str) -> list[str]:
        """The distinct characters of `text` that the vocabulary lacks, in order of appearance."""
        return list(dict.fromkeys(char for char in text if char not in self._char_to_id))

    @property
    def compact_dtype(self) -> np.dtype:
        """The smallest unsigned integer type that holds every id: 1 or 2 bytes per character of a corpus."""
        return next(np.dtype(kind) for kind in ("uint8", "uint16", "uint32")
                    if self.vocab_size <= np.iinfo(kind).max + 1)

    def encode(self, text: str, dtype: np.typing.DTypeLike = np.int32) -> np.ndarray:
        """Text → ids (int32, or e.g. `compact_dtype` for a whole corpus); characters outside the vocabulary
        become `unk_id`."""
        lookup, unk = self._char_to_id.get, self.unk_id
        return np.fromiter((lookup(char, unk) for char in text), dtype=dtype, count=len(text))

    def decode(self, ids: Iterable[int]) -> str:
        """Ids → text; `unk_id` becomes the literal token `<unk>`."""
        ids = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() > self.unk_id):
            bad = int(ids[(ids < 0) | (ids > self.unk_id)][0])
            raise VocabularyError(
                f"Id {bad} is outside this vocabulary (0..{self.unk_id}); "
                "was the model trained with another vocabulary?",
                f"编号 {bad} 超出词表范围（0..{self.unk_id}）；模型是否用了另一个词表训练？",
            )
        table = [*self.vocab, UNK_TOKEN]
        return "".join(table[index] for index in ids.tolist())

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as UTF-8 JSON (never pickle), atomically."""
        VOCABULARY_JSON.write(path, {"unk_token": UNK_TOKEN, "vocab": self.vocab}, indent=1)

    @classmethod
    def load(cls, path: str | os.PathLike) -> TextConverter:
        """Read a vocabulary written by `save`, refusing anything else (pickles included)."""
        fields, _ = VOCABULARY_JSON.read(path)
        if not isinstance(fields.get("vocab"), list):
            raise VocabularyError(f"{path} has no list of characters under 'vocab'; {VOCABULARY_JSON.fix[0]}.",
                                  f"{path} 的 'vocab' 不是字符列表；{VOCABULARY_JSON.fix[1]}。")
        return cls(fields["vocab"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextConverter) and self.vocab == other.vocab

    def __repr__(self) -> str:
        preview = "".join(self.vocab[:10]).replace("\n", "\\n")
        return f"TextConverter(vocab_size={self.vocab_size}, most_frequent={preview!r})"
