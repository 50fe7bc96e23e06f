"""charrnn_lib.checks.prosody: lesson 9's checks pass the reference and catch the usual slips."""

from __future__ import annotations

import re

import numpy as np
import opencc
import pytest
from check_helpers import failure_line, only_line, stub

from charrnn_lib import checks, prosody
from charrnn_lib.checks import CheckFailure, Status

LEVEL_GROUPS = set(prosody.rhyme_group_names(prosody.PING))
ENTERING_READ_AS_LEVEL = set("白国一出竹石识")  # 入声 characters that Mandarin pronounces in its 1st or 2nd tone


@pytest.fixture(autouse=True)
def lenient(monkeypatch):
    """Learner mode unless a test turns strict mode on."""
    monkeypatch.delenv("CHARRNN_STRICT", raising=False)


# --- learner answers: the reference written the way a student would, then plausible mistakes ---------------------

def mark_tones(line):
    marks = ""
    for character in line:
        groups = prosody.rhyme_groups(character)
        level, oblique = bool(groups & LEVEL_GROUPS), bool(groups - LEVEL_GROUPS)
        marks += "中" if level and oblique else "平" if level else "仄" if oblique else "？"
    return marks


def mark_tones_by_mandarin(line):
    """Mandarin's 1st and 2nd tones read as 平: right for most characters, wrong for the old entering tone."""
    return "".join("平" if character in ENTERING_READ_AS_LEVEL else mark
                   for character, mark in zip(line, mark_tones(line), strict=True))


def mark_tones_first_group_only(line):
    marks = ""
    for character in line:
        groups = sorted(prosody.rhyme_groups(character))
        marks += "？" if not groups else "平" if groups[0] in LEVEL_GROUPS else "仄"
    return marks


def mark_tones_from_every_table_reading(line):
    """The 平水韵's every reading (the traditional form's groups): 中 wherever the table lists both classes."""
    marks = ""
    for character in line:
        groups = prosody.table_groups(opencc.OpenCC("s2t").convert(character)) | prosody.table_groups(character)
        level, oblique = bool(groups & LEVEL_GROUPS), bool(groups - LEVEL_GROUPS)
        marks += "中" if level and oblique else "平" if level else "仄" if oblique else "？"
    return marks


def mark_tones_as_list(line):
    return list(mark_tones(line))


def fits(tone_class, tone, both_fits=True):
    return tone_class == tone or (both_fits and tone_class == prosody.BOTH)


def line_faults(line, line_type, both_fits=True, lone_level_everywhere=False):
    classes = prosody.tone_classes(line)
    faults = []
    if not ((fits(classes[1], "ping", both_fits) and fits(classes[3], "ze", both_fits))
            or (fits(classes[1], "ze", both_fits) and fits(classes[3], "ping", both_fits))):
        faults.append("alternation")
    if (lone_level_everywhere or line_type == "平平仄仄平") \
            and not (fits(classes[0], "ping", both_fits) or fits(classes[2], "ping", both_fits)):
        faults.append("lone_level")
    if not any(fits(tone_class, "ze", both_fits) for tone_class in classes[2:]):
        faults.append("triple_level_tail")
    return faults


def line_faults_both_fits_neither(line, line_type):
    return line_faults(line, line_type, both_fits=False)


def line_faults_lone_level_everywhere(line, line_type):
    return line_faults(line, line_type, lone_level_everywhere=True)


def line_faults_without_triple_level_tail(line, line_type):
    return [fault for fault in line_faults(line, line_type) if fault != "triple_level_tail"]


def position_mask(converter, pattern, rhyme_group, line, position, *, han_only=True, unk=False, rhyme="right"):
    rule = pattern.requirements()[
        (line - 1) * 5 + position - 1]
    fitting = np.array(prosody.characters_fitting(converter.vocab, rule.tone, rhyme_group if rule.rhyme else None))
    if rhyme == "everywhere":  # the group passed at every position: the library refuses it where the tone is 仄
        fitting = np.array(prosody.characters_fitting(converter.vocab, rule.tone, rhyme_group))
    if rhyme == "never":
        fitting = np.array(prosody.characters_fitting(converter.vocab, rule.tone))
    if rhyme == "every line" and position == 5:
        fitting &= np.array(prosody.characters_fitting(converter.vocab, None, rhyme_group))
    if han_only:
        fitting &= np.array([re.fullmatch(r"[\u4e00-\u9fff]", entry) is not None for entry in converter.vocab])
    return np.array([*fitting, unk])  # the last id is <unk>


def position_mask_allowing_punctuation(*args):
    return position_mask(*args, han_only=False)


def position_mask_allowing_unk(*args):
    return position_mask(*args, unk=True)


def position_mask_without_unk(*args):
    return position_mask(*args)[:-1]


def position_mask_without_rhyme(*args):
    return position_mask(*args, rhyme="never")


def position_mask_rhyming_every_line(*args):
    return position_mask(*args, rhyme="every line")


def position_mask_with_the_rhyme_group_everywhere(*args):
    return position_mask(*args, rhyme="everywhere")


# --- the references the checks compare with ------------------------------------------------------------------------

def test_the_line_faults_reference_finds_each_rule_where_it_is_broken():
    assert checks.prosody.reference_line_faults("白日依山尽", "仄仄平平仄") == []
    assert checks.prosody.reference_line_faults("落日照大旗", "仄仄平平仄") == ["alternation"]
    assert checks.prosody.reference_line_faults("客来白日归", "平平仄仄平") == ["lone_level"]
    assert checks.prosody.reference_line_faults("客来白日归", "仄仄仄平平") == []  # 孤平 is a 平平仄仄平 rule
    assert checks.prosody.reference_line_faults("明月何时来", "仄仄仄平平") == ["triple_level_tail"]


def test_the_position_mask_reference_keeps_only_han_characters_of_the_rule():
    converter = tiny_converter()
    level_rhyme = checks.prosody.reference_position_mask(converter, prosody.Pattern(), "东", 2, 5)
    allowed = [entry for entry, allowed in zip(converter.vocab, level_rhyme[:-1], strict=True) if allowed]
    assert allowed == list("风红中东")
    free = checks.prosody.reference_position_mask(converter, prosody.Pattern(), "东", 1, 1)
    assert free.shape == (converter.vocab_size,) and not free[converter.unk_id]
    assert not any(free[converter.encode(mark)[0]] for mark in "，。\nA") and free[converter.encode("白")[0]]


def tiny_converter():
    from charrnn_lib.text import TextConverter

    return TextConverter(list(checks.prosody.MASK_VOCABULARY))


# --- the checks ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("check", "function"), [
    (checks.check_mark_tones, mark_tones),
    (checks.check_line_faults, line_faults),
    (checks.check_position_mask, position_mask),
])
def test_reference_solutions_pass_with_one_line(check, function, capsys):
    result = check(function)
    line = only_line(capsys)
    assert result.status is Status.PASS and line == result.message
    assert line.startswith("✓ ") and "通过" in line


@pytest.mark.parametrize("check", [checks.check_mark_tones, checks.check_line_faults, checks.check_position_mask])
def test_stubs_are_not_attempted_yet(check, capsys):
    result = check(stub)
    assert result.status is Status.NOT_ATTEMPTED and only_line(capsys).startswith("… ")


@pytest.mark.parametrize(("check", "function", "hint"), [
    (checks.check_mark_tones, mark_tones_by_mandarin, "入声"),
    (checks.check_mark_tones, mark_tones_first_group_only, "all of its groups"),
    (checks.check_mark_tones, mark_tones_from_every_table_reading, "common readings"),
    (checks.check_mark_tones, mark_tones_as_list, "one string"),
    (checks.check_line_faults, line_faults_both_fits_neither, "中 character"),
    (checks.check_line_faults, line_faults_lone_level_everywhere, "only a 平平仄仄平 line"),
    (checks.check_line_faults, line_faults_without_triple_level_tail, "last three characters"),
    (checks.check_position_mask, position_mask_allowing_punctuation, "Only Han characters"),
    (checks.check_position_mask, position_mask_allowing_unk, "<unk> (the last id)"),
    (checks.check_position_mask, position_mask_without_unk, "shape (vocab_size,)"),
    (checks.check_position_mask, position_mask_without_rhyme, "keep only characters of the rhyme group"),
    (checks.check_position_mask, position_mask_rhyming_every_line, "does not rhyme in this pattern"),
    (checks.check_position_mask, position_mask_with_the_rhyme_group_everywhere, "only where rule.rhyme is true"),
])
def test_plausible_mistakes_fail_with_a_hint(check, function, hint, capsys):
    line = failure_line(check(function), capsys)
    assert hint in line, line


def test_strict_mode_raises_on_a_wrong_answer(monkeypatch, capsys):
    monkeypatch.setenv("CHARRNN_STRICT", "1")
    with pytest.raises(CheckFailure):
        checks.check_mark_tones(mark_tones_by_mandarin)
