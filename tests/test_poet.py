import numpy as np
import pytest

from charrnn_lib import poet, prosody
from charrnn_lib.config import PoemSettings, SamplingSettings, TrainConfig
from charrnn_lib.errors import ConfigError
from charrnn_lib.poet import CoupletIndex, compose, repeated_characters
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler
from charrnn_lib.training import train

# Real 五绝 with their titles, as the corpus `tang_regulated` lays them out (`题目：诗`, one poem per line).
TITLED = """登鹳雀楼：白日依山尽，黄河入海流。欲穷千里目，更上一层楼。
相思：红豆生南国，春来发几枝。愿君多采撷，此物最相思。
宿建德江：移舟泊烟渚，日暮客愁新。野旷天低树，江清月近人。
八阵图：功盖三分国，名成八阵图。江流石不转，遗恨失吞吴。
登乐游原：向晚意不适，驱车登古原。夕阳无限好，只是近黄昏。
听筝：鸣筝金粟柱，素手玉房前。欲得周郎顾，时时误拂弦。
逢雪宿芙蓉山主人：日暮苍山远，天寒白屋贫。柴门闻犬吠，风雪夜归人。
问刘十九：绿蚁新醅酒，红泥小火炉。晚来天欲雪，能饮一杯无。
"""


def test_the_couplet_index_finds_copied_couplets_of_both_lengths(tmp_path):
    index = CoupletIndex.from_text(TITLED + "七绝：朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。\n")
    assert len(index) == 18  # two couplets in each of the nine poems
    assert index.copied("白日依山尽，黄河入海流。\n欲穷千里目，更上一层高。") == ["白日依山尽，黄河入海流。"]
    assert index.copied("两岸猿声啼不住，轻舟已过万重山。") == ["两岸猿声啼不住，轻舟已过万重山。"]
    assert index.copied("白日依山尽，黄河入海深。") == []  # one character changed: not a copy
    index.save(tmp_path / CoupletIndex.FILE)
    assert not list(tmp_path.glob("*.partial*"))
    loaded = poet.couplet_index_of(tmp_path)
    np.testing.assert_array_equal(loaded.fingerprints, index.fingerprints)
    assert poet.couplet_index_of(tmp_path / "elsewhere") is None


def test_repeated_characters_count_every_use_after_the_first():
    assert repeated_characters("白日依山尽，黄河入海流。") == 0
    assert repeated_characters("人闲桂花落，夜静春山空。月出惊山鸟，时鸣春涧中。") == 2  # 山 and 春 twice
    assert repeated_characters("处处闻啼鸟，处处闻啼鸟。") == 6  # 4 distinct of 10


def test_titles_are_the_han_characters_before_the_title_mark():
    assert poet._title_of("春望：国破山河在") == "春望"
    assert poet._title_of("春，望：国破") == ""  # punctuation in a title: not a title
    assert poet._title_of("国破山河在") == ""
    assert poet._couplet_lines("国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。") == \
        "国破山河在，城春草木深。\n感时花溅泪，恨别鸟惊心。"
    assert poet._couplet_lines("国破山河在，城春草木深。\n感时花溅泪，恨别鸟惊心。") == \
        "国破山河在，城春草木深。\n感时花溅泪，恨别鸟惊心。"


class CandidatesSampler:
    """Stands in for a Sampler: draws the same openings and the same scored continuations at every call."""

    def __init__(self, openings, poems):
        self.openings, self.poems, self.calls = openings, poems, 0

    def sample_scored(self, prime, length, settings, *, num_samples, constraints, seed):
        self.calls += 1
        if length == poet.OPENING:
            return [(prime + opening, -0.5) for opening in self.openings]
        return [(prime + poem[poet.OPENING:], score) for poem, score in self.poems]


COPIED = "明月松间照，清泉石上流。\n竹喧归浣女，莲动下渔舟。"
REPEATS = "明月照江水，明月照江楼。\n云起千峰外，人归一叶舟。"
FRESH = "明月出东岭，清风过北楼。\n孤云千里外，归雁一声秋。"


def test_the_opening_is_a_new_one_and_the_continuation_avoids_copies_then_repeats_then_is_most_likely():
    masks = PositionMasks.from_array(np.ones((24, 9), bool))
    args = (prosody.Pattern("wujue"), masks, "尤", "", False, SamplingSettings(), 4, CoupletIndex.from_text(COPIED))
    sampler = CandidatesSampler(["青山", "明月"], [(COPIED, -1.0), (REPEATS, -1.5), (FRESH, -3.0)])
    best = poet._choose(sampler, *args, {"青山"}, np.random.default_rng(0))
    assert (best.text, sampler.calls) == (FRESH, 2)  # "青山" is taken; one round finds a faultless continuation
    assert best.log_likelihood == pytest.approx((2 * -0.5 + 22 * -3.0) / 24)  # opening and continuation together
    assert poet._choose(sampler, *args, set(), np.random.default_rng(0)).text.startswith("青山")
    # When every round has a fault, the least faulty continuation is kept after poet.ROUNDS rounds.
    sampler = CandidatesSampler(["明月"], [(COPIED, -1.0), (REPEATS, -1.5)])
    assert poet._choose(sampler, *args, set(), np.random.default_rng(0)).text == REPEATS
    assert sampler.calls == 1 + poet.ROUNDS


@pytest.fixture(scope="module")
def tang():
    from charrnn_lib.pretrained import pretrained_path

    return Sampler.from_run(pretrained_path("tang"))


def test_composed_poems_follow_the_pattern_vary_their_rhyme_and_refuse_copies(tang):
    pattern = prosody.Pattern("wujue", "pingqi")
    poems = compose(tang, pattern, num_samples=12, seed=1, poem_settings=PoemSettings(candidates=8))
    assert all(prosody.check_poem(poem.text, pattern).passed for poem in poems)
    assert len({poem.rhyme_group for poem in poems}) >= 4  # drawn as often as Tang poems rhyme in each group
    assert all(poem.rhyme_group in poet.rhyme_choices(tang) for poem in poems)
    assert all(type(poem.rhyme_group) is str for poem in poems)  # a plain str, as Poem declares (not np.str_)
    assert len({poem.text[:2] for poem in poems}) == 12  # openings drawn widely, none used twice in a call
    assert all(poem.title == "" and poem.log_likelihood < 0 for poem in poems)
    assert np.mean([repeated_characters(poem.text) for poem in poems]) <= 0.36  # real 五绝's mean
    # Refuse every couplet the first call wrote: the same seed now writes none of them.
    index = CoupletIndex.from_text("\n".join(poem.text for poem in poems))
    again = compose(tang, pattern, num_samples=12, seed=1, couplets=index)
    assert not any(index.copied(poem.text) for poem in again)


def test_acrostic_and_a_fixed_rhyme_in_a_seven_character_regulated_poem(tang):
    pattern = prosody.Pattern("qilv", "zeqi")
    [poem] = compose(tang, pattern, rhyme_group="阳", acrostic="春风一夜花开满城", seed=2)
    lines = poem.text.replace("，", "\n").replace("。", "\n").split()
    assert [line[0] for line in lines] == list("春风一夜花开满城")
    assert prosody.check_poem(poem.text, pattern).passed and poem.rhyme_group == "阳"


def test_a_title_needs_a_model_trained_with_titles(tang):
    with pytest.raises(ConfigError, match="without titles"):
        compose(tang, prosody.Pattern(), title="春望")


@pytest.fixture(scope="module")
def titled(tmp_path_factory):
    """A tiny model trained on titled poems (`题目：诗`)."""
    config = TrainConfig.from_knobs(num_seqs=8, num_steps=32, lstm_size=64, num_layers=1, learning_rate=0.01,
                                    train_keep_prob=1.0, max_steps=150, save_every_n=150, log_every_n=50, seed=4)
    run = train(TITLED * 40, config, tmp_path_factory.mktemp("runs") / "titled", verbose=0)
    return Sampler(run.model, run.converter)


def test_a_titled_model_writes_its_own_titles_or_takes_the_one_given(titled):
    pattern = prosody.Pattern("wujue", "zeqi")
    poems = compose(titled, pattern, num_samples=4, rhyme_group="真", seed=3)
    titles = {line.split("：")[0] for line in TITLED.splitlines()}
    assert any(poem.title in titles for poem in poems)  # it writes titles it read (a tiny model: not always)
    assert all(poet.HAN.fullmatch(character) for poem in poems for character in poem.title)
    assert all(prosody.check_poem(poem.text, pattern).passed and poem.text.count("\n") == 1 for poem in poems)
    [given] = compose(titled, pattern, rhyme_group="真", title="听筝", seed=3)
    assert given.title == "听筝" and prosody.check_poem(given.text, pattern).passed
