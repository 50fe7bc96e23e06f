"""tools/verse_readers.py and tools/judge_verse.py: the independent readers and the real-or-generated judge."""

import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # tools/ holds scripts, not a package

import judge_verse
import verse_readers

pytest.importorskip("pkg_resources")  # pingshui-rhyme's classifier needs setuptools

DENGGUANQUE = "登鹳雀楼：白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"
ZAOFA = "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。"
CHUNXIAO = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"  # rhymes on 仄
JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"  # 失粘, 失对


def test_the_standard_pattern_lines_of_both_lengths():
    assert verse_readers.pattern_lines(5, 4, "仄", False) == ["仄仄平平仄", "平平仄仄平", "平平平仄仄", "仄仄仄平平"]
    assert verse_readers.pattern_lines(7, 4, "平", True) == ["平平仄仄仄平平", "仄仄平平仄仄平", "仄仄平平平仄仄",
                                                             "平平仄仄仄平平"]


@pytest.mark.parametrize("reader", ["pingshui", "strains"])
def test_both_readers_accept_regulated_poems_and_refuse_broken_ones(reader):
    assert verse_readers.pass_rates([DENGGUANQUE, ZAOFA])[reader] == 1.0
    assert verse_readers.pass_rates([CHUNXIAO, JINGYESI, "白日依山尽，黄河入海流。"])[reader] == 0.0


def test_the_readers_disagree_where_their_sources_do():
    # 望 at a 平 position (line 2, 2nd character): the table lists 望 under both tones, the
    # poets' marks read it 仄 — the case that made the library's own reading too lenient.
    poem = "白日依山尽，黄望入海流。欲穷千里目，更上一层楼。"
    assert verse_readers.pingshui_tone("望") == verse_readers.EITHER
    assert verse_readers.strains_tone("望") == "仄"
    assert verse_readers.pass_rates([poem]) == {"pingshui": 1.0, "strains": 0.0}


def test_auc_is_the_share_of_correctly_ordered_pairs():
    labels = np.array([1, 1, 0, 0])
    assert judge_verse.auc(np.array([0.9, 0.8, 0.1, 0.2]), labels) == 1.0
    assert judge_verse.auc(np.array([0.1, 0.2, 0.9, 0.8]), labels) == 0.0
    assert judge_verse.auc(np.array([0.5, 0.5, 0.5, 0.5]), labels) == 0.5
    assert judge_verse.auc(np.array([0.9, 0.1, 0.5, 0.2]), labels) == 0.5  # 2 of 4 pairs in order


def test_the_trigram_model_is_a_distribution_over_the_next_character():
    model = judge_verse.TrigramModel(["白日依山尽", "黄河入海流", "白日照山川"])
    vocabulary = [*model.unigrams, "雪"]  # every seen character and one unseen
    total = sum(np.exp(model.log_probabilities(c)[0]) for c in vocabulary)  # first character after the start
    assert total < 1.0 and total > 0.9  # the rest of the mass is for characters never seen at all
    assert model.log_probabilities("白日依")[2] > model.log_probabilities("白日照")[2] - 1  # both seen after 白日
    assert model.log_probabilities("白日依")[1] > model.log_probabilities("黄日依")[1]  # 日 follows 白, not 黄


def test_the_judge_tells_different_vocabularies_apart_and_not_the_same_one():
    rng = random.Random(0)
    mountains, rivers = "山峰岭云松石崖岩", "水河江波浪舟渡湖"

    def poems(characters, count):
        return ["，".join("".join(rng.choice(characters) for _ in range(5)) for _ in range(4)) for _ in range(count)]

    apart = judge_verse.judge(poems(mountains, 40), poems(rivers, 40), model=None)
    same = judge_verse.judge(poems(mountains + rivers, 40), poems(mountains + rivers, 40), model=None)
    assert apart["ngrams"] > 0.95
    assert 0.25 < same["ngrams"] < 0.75


def test_the_stacked_judge_is_as_sharp_as_its_sharpest_evidence():
    """`all` stacks the n-gram judge's out-of-fold scores with the dense features: where either kind of evidence
    tells the poems apart, so does `all`; where neither does, it stays near chance."""
    rng = random.Random(1)
    characters = "山峰岭云松石崖岩水河江波浪舟渡湖"

    def poems(count, repeat):
        lines = []
        for _ in range(count):
            pool = rng.sample(characters, 8) if repeat else characters
            lines.append("，".join("".join(rng.choice(pool) for _ in range(5)) for _ in range(4)))
        return lines

    model = judge_verse.TrigramModel([line for poem in poems(60, False) for line in poem.split("，")])
    by_repeats = judge_verse.judge(poems(40, True), poems(40, False), model)  # same characters, more repeats
    assert by_repeats["repeats"] > 0.9 and by_repeats["all"] > 0.9
    mountains, rivers = characters[:8], characters[8:]
    by_words = judge_verse.judge(["，".join("".join(rng.choice(mountains) for _ in range(5)) for _ in range(4))
                                  for _ in range(40)],
                                 ["，".join("".join(rng.choice(rivers) for _ in range(5)) for _ in range(4))
                                  for _ in range(40)], model)  # different words, as many repeats
    assert by_words["repeats"] < 0.75 and by_words["all"] > 0.9
    same = judge_verse.judge(poems(40, False), poems(40, False), model)
    assert 0.2 < same["all"] < 0.8
