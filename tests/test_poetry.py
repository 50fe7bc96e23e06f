import numpy as np
import pytest

from charrnn_lib import prosody
from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.model import reset_states
from charrnn_lib.poetry import (
    FormRequest,
    acrostic,
    complete_lines,
    couplet_shape_ratio,
    is_couplet,
    log_likelihood_per_character,
    regulated_masks,
    write_regulated,
)
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler
from charrnn_lib.text import TextConverter
from charrnn_lib.training import train

SEASONS = ["春水流花落", "夏日照山青", "秋风吹叶黄", "冬雪覆林白"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [("寒随穷律变，春逐鸟声开。", True), ("寒随穷律变，春逐鸟声开", False), ("寒随穷律，春逐鸟声开。", False),
     ("寒随穷律变。春逐鸟声开，", False), ("寒随穷律变，春逐鸟声开。寒", False), ("", False),
     ("寒随穷律变，，逐鸟声开。", False), ("<unk>，春逐鸟声开。", False), ("abcde，fghij。", False)],
)
def test_is_couplet_on_hand_made_lines(line, expected):
    assert is_couplet(line) is expected


def test_shape_ratio_and_complete_lines():
    text = "寒随穷律变，春逐鸟声开。\n初风飘带柳晚雪间花梅。\n碧林青旧竹，绿沼翠新苔。\n芝田初雁"
    lines = complete_lines(text)
    assert lines == ["寒随穷律变，春逐鸟声开。", "初风飘带柳晚雪间花梅。", "碧林青旧竹，绿沼翠新苔。"]
    assert couplet_shape_ratio(lines) == pytest.approx(2 / 3)
    assert couplet_shape_ratio([]) == 0.0


@pytest.fixture(scope="module")
def seasons_sampler(tmp_path_factory):
    """A tiny model trained on four lines whose head character decides the rest of the line."""
    import random

    rng = random.Random(0)
    text = "".join(f"{rng.choice(SEASONS)}\n" for _ in range(900))
    config = TrainConfig.from_knobs(num_seqs=8, num_steps=24, lstm_size=64, num_layers=1, learning_rate=0.01,
                                    train_keep_prob=1.0, max_steps=200, save_every_n=200, log_every_n=50, seed=2)
    run = train(text, config, tmp_path_factory.mktemp("runs") / "seasons", verbose=0)
    return Sampler(run.model, run.converter)  # the batch-8 training model itself


def test_acrostic_lines_start_with_the_heads_and_follow_the_learned_lines(seasons_sampler):
    poem = acrostic(seasons_sampler, "秋夏冬", top_n=1, seed=0)
    assert [line[0] for line in poem] == ["秋", "夏", "冬"]
    assert poem == ["秋风吹叶黄", "夏日照山青", "冬雪覆林白"]


def test_acrostic_refuses_unknown_or_empty_heads(seasons_sampler):
    with pytest.raises(VocabularyError, match="龙"):
        acrostic(seasons_sampler, "春龙")
    with pytest.raises(ConfigError):
        acrostic(seasons_sampler, "")


def test_head_masks_at_line_starts_write_an_acrostic_in_one_pass(seasons_sampler):
    """Lines of five characters and a line break: a single-character mask at positions 0, 6 and 12."""
    heads = ["冬", *[None] * 5, "春", *[None] * 5, "夏"]
    masks = PositionMasks.from_characters(seasons_sampler.converter, heads)
    [text] = seasons_sampler.sample("", 17, top_n=1, constraints=masks)
    assert text.split("\n") == ["冬雪覆林白", "春水流花落", "夏日照山青"]


# --- Regulated verse (格律) -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poet():
    from charrnn_lib.pretrained import pretrained_path

    return Sampler.from_run(pretrained_path("tang"))


@pytest.mark.parametrize("start", ["zeqi", "pingqi"])
@pytest.mark.parametrize("first_line_rhymed", [False, True])
def test_every_poem_of_a_seeded_run_keeps_its_masks_and_passes_the_check(poet, start, first_line_rhymed):
    request = FormRequest(prosody.Pattern("wujue", start, first_line_rhymed), rhyme_group="阳")
    masks = regulated_masks(poet.converter, request).to_array()  # (positions, vocab_size)
    poems = write_regulated(poet, request, num_samples=40, seed=3)
    for poem in poems:
        ids = poet.converter.encode(poem)
        assert len(ids) == len(masks) == 25  # 4 × 5 characters, 4 marks, the break between the couplets
        assert masks[np.arange(len(ids)), ids].all()
        report = prosody.check_poem(poem, request.pattern)
        assert report.passed, report.describe()
        lines = poem.replace("，", "\n").replace("。", "\n").split()
        assert all("阳" in prosody.rhyme_groups(lines[number - 1][-1]) for number in request.pattern.rhymed_lines)
    assert len(set(poems)) > 30  # sampled, not one poem repeated


def test_acrostic_heads_and_the_pattern_together(poet):
    request = FormRequest(prosody.Pattern("wujue", "pingqi"), acrostic="春夏秋冬")
    for poem in write_regulated(poet, request, num_samples=10, seed=5):
        lines = poem.replace("，", "\n").replace("。", "\n").split()
        assert [line[0] for line in lines] == list("春夏秋冬")
        assert prosody.check_poem(poem, request.pattern).passed


def test_impossible_requests_are_refused_before_sampling_with_the_reason():
    converter = TextConverter.from_text("春风吹白日，山水入东城。\n夏日照青山，江流过野亭。\n")
    with pytest.raises(ConfigError, match=r"'夏'.*line 2") as caught:  # 仄起 line 2 must open on 平
        regulated_masks(converter, FormRequest(prosody.Pattern("wujue", "zeqi"), acrostic="春夏山江"))
    assert "--pattern" in caught.value.chinese
    with pytest.raises(VocabularyError, match="冬"):
        regulated_masks(converter, FormRequest(prosody.Pattern("wujue", "pingqi"), acrostic="春山水冬"))
    with pytest.raises(ConfigError, match="rhyme group 咸"):
        regulated_masks(converter, FormRequest(rhyme_group="咸"))
    with pytest.raises(ConfigError, match="4 head characters"):
        regulated_masks(converter, FormRequest(acrostic="春夏"))
    with pytest.raises(ConfigError, match="Unknown rhyme group"):
        regulated_masks(converter, FormRequest(rhyme_group="不是韵"))


def test_log_likelihood_is_the_models_own_next_character_probability(poet):
    text = "白日依山尽，黄河入海流。"
    ids = poet.prime_ids(text)  # "\n" then the text
    expected = 0.0
    for position in range(1, len(ids)):  # the probability of each character given everything before it
        reset_states(poet.model)
        probabilities = np.exp(poet.model(ids[None, :position], training=False)[0, -1].numpy().astype(np.float64))
        expected += np.log(probabilities[ids[position]] / probabilities.sum())
    assert log_likelihood_per_character(poet, [text]) == pytest.approx(expected / (len(ids) - 1), abs=1e-4)
    assert log_likelihood_per_character(poet, [text]) > log_likelihood_per_character(poet, ["白日依山尽，海流黄河入。"])


def test_strict_keeps_characters_with_both_readings_off_the_fixed_positions(poet):
    pattern = prosody.Pattern("wujue", "zeqi")
    rules = pattern.requirements()
    lenient, strict = (write_regulated(poet, FormRequest(pattern, strict=flag), num_samples=40, seed=4)
                       for flag in (False, True))

    def fixed_position_tones(poem):
        return [tone for rule, tone in zip(rules, prosody.tone_classes(poem.replace("，", "").replace("。", "")
                                                                        .replace("\n", "")), strict=True) if rule.tone]

    assert all(prosody.BOTH not in fixed_position_tones(poem) for poem in strict)
    assert any(prosody.BOTH in fixed_position_tones(poem) for poem in lenient)  # the default lets 中 fit either
    assert all(prosody.check_poem(poem, pattern).passed for poem in strict)
