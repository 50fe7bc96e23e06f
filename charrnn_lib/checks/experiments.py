"""Checks for lesson 8 (hands-on experiments), against the reference in `charrnn_lib.lessons.experiments`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from charrnn_lib.checks.core import Case, CheckResult, Hint, run_check, values_equal
from charrnn_lib.lessons.experiments import best_validation_bpc, unigram_bits_per_character

# Two equally frequent characters (1 bit), one character (0 bits), four equally frequent ones (2 bits),
# then uneven frequencies, where the entropy is below log2 of the number of distinct characters.
ENTROPY_TEXTS = ("abab", "aaaa", "abcd", "aab", "hello, world\n", "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。")
# Keras-style logs (nats per character, one entry per validation): the best validation loss is not the last,
# the training loss is lower than it, and a run with a single validation.
HISTORIES = (
    {"loss": [2.31, 1.62, 1.30, 1.05], "val_loss": [2.35, 1.71, 1.66, 1.74]},
    {"loss": [4.10, 3.20, 2.70], "val_loss": [4.02, 3.25, 2.88]},
    {"loss": [1.2], "val_loss": [1.3863]},
)


def check_unigram_bits_per_character(learner_unigram: Callable[[str], float]) -> CheckResult:
    """`unigram_bits_per_character(text)`: the entropy of the character frequencies of `text`, in bits."""
    cases = [Case(learner_unigram, (text,), unigram_bits_per_character(text)) for text in ENTROPY_TEXTS]
    return run_check("unigram_bits_per_character", cases, hint=_unigram_hint)


def _unigram_hint(case: Case, got: Any) -> Hint | None:
    (text,) = case.args
    expected = case.expected
    if expected > 0 and values_equal(expected * math.log(2), got):
        return Hint("That is the entropy in nats: use math.log2, not math.log, to get bits.",
                    "这是以奈特（nat）为单位的熵：要得到比特，请用 math.log2 而不是 math.log。")
    if expected > 0 and values_equal(expected * math.log10(2), got):
        return Hint("That is the entropy in base 10: use math.log2 to get bits.",
                    "这是以 10 为底的熵：要得到比特，请用 math.log2。")
    if expected > 0 and values_equal(-expected, got):
        return Hint("The sign is wrong: entropy is -Σ p·log2(p), and log2(p) is negative for p < 1.",
                    "符号反了：熵是 -Σ p·log2(p)，而 p < 1 时 log2(p) 是负数。")
    if values_equal(math.log2(len(set(text))), got):
        return Hint("log2(number of distinct characters) assumes they are all equally frequent: "
                    "weight each character's -log2(p) by its frequency p.",
                    "log2(不同字符的个数) 假定所有字符出现得一样多：要用每个字符的频率 p 给它的 -log2(p) 加权。")
    return None


def check_best_validation_bpc(learner_best: Callable[[dict[str, list[float]]], float]) -> CheckResult:
    """`best_validation_bpc(logs)`: the lowest `logs["val_loss"]` (nats) in bits per character."""
    cases = [Case(learner_best, (logs,), best_validation_bpc(logs)) for logs in HISTORIES]
    return run_check("best_validation_bpc", cases, hint=_best_hint)


def _best_hint(case: Case, got: Any) -> Hint | None:
    (logs,) = case.args
    val_loss, loss = logs["val_loss"], logs["loss"]
    if values_equal(val_loss[-1] / math.log(2), got):
        return Hint("That is the last validation loss: keep the best (lowest) one, the checkpoint you would keep.",
                    "这是最后一次的验证损失：应取最好（最低）的那一次，也就是你会保留的检查点。")
    if values_equal(min(val_loss), got):
        return Hint("The losses are in nats: divide by math.log(2) to get bits per character.",
                    "损失以奈特（nat）为单位：除以 math.log(2) 才得到每字符比特数。")
    if values_equal(min(val_loss) * math.log(2), got):
        return Hint("Multiply by log2(e), i.e. divide by math.log(2), to turn nats into bits, not the other way round.",
                    "nats 变成比特要乘以 log2(e)，即除以 math.log(2)，而不是反过来。")
    if values_equal(min(loss) / math.log(2), got) or values_equal(loss[-1] / math.log(2), got):
        return Hint("That is the training loss: compare runs on logs['val_loss'], text the model never trained on.",
                    "这是训练损失：比较不同运行时要用 logs['val_loss']，即模型从未训练过的文本上的损失。")
    if values_equal(math.exp(min(val_loss)), got):
        return Hint("That is the perplexity, exp(loss): bits per character are loss / ln 2.",
                    "这是困惑度 exp(loss)：每字符比特数是 loss / ln 2。")
    return None
