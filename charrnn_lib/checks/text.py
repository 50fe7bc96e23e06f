"""Checks for lesson 1 (text → ids → one-hot), against the reference in `charrnn_lib.text`."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import numpy as np

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.text import UNK_TOKEN, TextConverter

POEM = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"
# (text, max_vocab): ties broken by code point, a Chinese text, and a cut-off vocabulary.
VOCABULARY_CASES = (("abracadabra", 10), ("hello, world", 4), (POEM, 6), ("baab", 1))


def check_build_vocabulary(build_vocabulary: Callable[[str, int], list[str]]) -> CheckResult:
    """`build_vocabulary(text, max_vocab)`: the `max_vocab` most frequent characters, ties by code point."""
    cases = [Case(build_vocabulary, (text, max_vocab), TextConverter.from_text(text, max_vocab).vocab)
             for text, max_vocab in VOCABULARY_CASES]
    return run_check("build_vocabulary", cases, hint=_vocabulary_hint)


def _vocabulary_hint(case: Case, got: Any) -> Hint | None:
    text, max_vocab = case.args
    if not isinstance(got, (list, tuple)):
        return Hint("Return a list of characters, e.g. ['a', 'b'].", "请返回字符列表，例如 ['a', 'b']。")
    counts = collections.Counter(text)
    if len(got) > max_vocab:
        return Hint("Keep only the max_vocab most frequent characters.", "只保留出现次数最多的 max_vocab 个字符。")
    if list(got) == sorted(counts)[:max_vocab]:
        return Hint("Did you sort alphabetically instead of by frequency?", "是否按字母顺序而不是按出现次数排序了？")
    if [counts[char] for char in got] == [counts[char] for char in case.expected]:
        return Hint("Equal counts go by code point, smaller first: sort by (-count, char).",
                    "出现次数相同时按码位从小到大排：用 (-次数, 字符) 排序。")
    got_counts = [counts[char] for char in got]
    if len(set(got_counts)) > 1 and got_counts == sorted(got_counts):
        return Hint("The most frequent character comes first.", "出现次数最多的字符应排在最前面。")
    return None


def check_encode_decode(encode: Callable[[str, list[str]], Any],
                        decode: Callable[[Any, list[str]], str]) -> CheckResult:
    """`encode(text, vocab)` → ids (unknown → `len(vocab)`) and `decode(ids, vocab)` → text (that id → `<unk>`)."""
    vocab = TextConverter.from_text("hello world").vocab
    converter = TextConverter(vocab)
    texts = ("hello", "world hello", "help!")
    cases = [Case(encode, (text, vocab), converter.encode(text)) for text in texts]
    cases += [Case(decode, (converter.encode(text).tolist(), vocab), converter.decode(converter.encode(text)))
              for text in texts]
    return run_check("encode_decode", cases, hint=_encode_decode_hint)


def _encode_decode_hint(case: Case, got: Any) -> Hint | None:
    vocab = case.args[1]
    unknown = Hint(f"A character missing from the vocabulary gets the last id, len(vocab) = {len(vocab)}, "
                   f"which decodes to '{UNK_TOKEN}'.",
                   f"词表里没有的字符编号为 len(vocab) = {len(vocab)}，解码为 '{UNK_TOKEN}'。")
    if isinstance(case.expected, str):
        return unknown if UNK_TOKEN in case.expected and UNK_TOKEN not in str(got) else None
    got = np.asarray(got)
    if got.shape == case.expected.shape and values_equal(case.expected + 1, got):
        return Hint("Ids start at 0: the most frequent character is id 0.",
                    "编号从 0 开始：出现次数最多的字符编号为 0。")
    return unknown if len(vocab) in case.expected else None


def check_one_hot(one_hot: Callable[[Any, int], Any]) -> CheckResult:
    """`one_hot(ids, depth)`: a float array `(len(ids), depth)` with a single 1 per row, at the id."""
    examples = ((np.array([2, 0, 3]), 5), (np.array([1, 1]), 2), (np.array([0]), 4))
    cases = [Case(one_hot, (ids, depth), np.eye(depth, dtype=np.float32)[ids]) for ids, depth in examples]
    return run_check("one_hot", cases, compare=_float_array_equal, hint=_one_hot_hint)


def _float_array_equal(expected: np.ndarray, got: Any) -> bool:
    return np.issubdtype(np.asarray(got).dtype, np.floating) and values_equal(expected, got)


def _one_hot_hint(case: Case, got: Any) -> Hint | None:
    got = np.asarray(got)
    if got.shape == case.expected.shape[::-1]:
        return Hint("Rows are positions and columns are ids: is your array transposed?",
                    "行对应位置，列对应编号：数组是否转置了？")
    if got.shape == case.expected.shape and not np.issubdtype(got.dtype, np.floating):
        return Hint("Return floats (e.g. dtype='float32'): the network multiplies them by weights.",
                    "请返回浮点数（例如 dtype='float32'）：网络要把它们与权重相乘。")
    return None
