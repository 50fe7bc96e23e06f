import pytest

from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import ConfigError, VocabularyError
from charrnn_lib.poetry import acrostic, complete_lines, couplet_shape_ratio, is_couplet
from charrnn_lib.position_masks import PositionMasks
from charrnn_lib.sample import Sampler
from charrnn_lib.training import train

SEASONS = ["春水流花落", "夏日照山青", "秋风吹叶黄", "冬雪覆林白"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [("寒随穷律变，春逐鸟声开。", True), ("寒随穷律变，春逐鸟声开", False), ("寒随穷律，春逐鸟声开。", False),
     ("寒随穷律变。春逐鸟声开，", False), ("寒随穷律变，春逐鸟声开。寒", False), ("", False),
     ("寒随穷律变，，逐鸟声开。", False)],
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
