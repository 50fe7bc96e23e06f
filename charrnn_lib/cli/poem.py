"""`charrnn poem`: poems that follow a 格律 pattern and rhyme, each printed with its 平仄 marks underneath.

The sampling flags are `SamplingSettings`' fields and `--candidates` is `PoemSettings`', as for `charrnn sample`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from charrnn_lib.cli.options import add_settings_flags, add_weights_arguments
from charrnn_lib.config import SAMPLING_KNOBS, PoemSettings, SamplingSettings

if TYPE_CHECKING:
    from charrnn_lib import poet, prosody

DEFAULT_POET = "tang"  # the pretrained run `charrnn poem` uses when no model is named


def add_poem_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `poem` subcommand to the main CLI."""
    poem = subparsers.add_parser(
        "poem", help="Write regulated verse (格律) · 按格律作诗",
        description="Sample 五言 or 七言 poems whose tones and rhyme follow a regulated pattern, enforced while "
                    "sampling; of several candidates each, keep the one the model finds most likely that copies no "
                    "training couplet · 在采样时强制平仄与押韵，写出合律的五言或七言诗；每首从多首候选中选出")
    add_weights_arguments(poem, default_pretrained=DEFAULT_POET)
    # No argparse choices: prosody.Pattern refuses a wrong form or start in one bilingual line, as for every setting.
    poem.add_argument("--form", default="wujue",
                      help="wujue 五言绝句, wulv 五言律诗, qijue 七言绝句, qilv 七言律诗 · 诗体 (default: %(default)s)")
    poem.add_argument("--pattern", default="zeqi",
                      help="pingqi 平起 or zeqi 仄起: the tone of line 1's second character · 起式 "
                           "(default: %(default)s)")
    poem.add_argument("--first_line_rhymed", action="store_true", help="line 1 rhymes too (首句入韵) · 首句入韵")
    poem.add_argument("--strict", action="store_true",
                      help="no characters with both readings (中) where the tone is fixed · 定声位置不用平仄两读的字")
    poem.add_argument("--rhyme",
                      help="平水韵 group, e.g. 东 支 阳 (default: drawn for each poem, as often as Tang poems rhyme in "
                           "it) · 韵部（默认按唐诗用韵的频率为每首诗抽取）")
    poem.add_argument("--acrostic", default="", help="head characters, one per line (藏头), e.g. 春夏秋冬 · 藏头字")
    poem.add_argument("--title", help="the poem's title, for a model trained on titled poems (default: the model "
                                      "writes one) · 诗题（默认由模型自拟）")
    poem.add_argument("--num_samples", type=int, default=5, help="poems to write · 诗的数量 (default: %(default)s)")
    add_settings_flags(poem, SamplingSettings, PoemSettings)
    poem.add_argument("--seed", type=int, help="random seed · 随机种子")
    poem.set_defaults(func=run_poem)


def poems_from_args(args: argparse.Namespace) -> tuple[prosody.Pattern, list[poet.Poem]]:
    """The pattern and the poems that `charrnn poem` with these flags writes (tools/measure_poet.py measures them)."""
    from charrnn_lib import poet, prosody
    from charrnn_lib.cli.options import run_folder_of, sampler_from_args

    pattern = prosody.Pattern(args.form, args.pattern, args.first_line_rhymed)
    settings = SamplingSettings.from_controls(**{knob: getattr(args, knob) for knob in SAMPLING_KNOBS})
    poem_settings = PoemSettings(args.candidates)
    sampler = sampler_from_args(args)
    return pattern, poet.compose(
        sampler, pattern, num_samples=args.num_samples, rhyme_group=args.rhyme, title=args.title,
        acrostic=args.acrostic, strict=args.strict, settings=settings, poem_settings=poem_settings,
        couplets=poet.couplet_index_of(run_folder_of(args)), seed=args.seed)


def run_poem(args: argparse.Namespace) -> int:
    """Print each poem line by line with its 平仄 marks below, then whether it passes the full check."""
    from charrnn_lib import prosody

    pattern, poems = poems_from_args(args)
    print(f"{pattern.chinese_name} ({args.form}, {args.pattern})\n")
    for poem in poems:
        heading = f"《{poem.title}》 · " if poem.title else ""
        print(f"{heading}押{poem.rhyme_group}韵 (rhyme {poem.rhyme_group})")
        for line in poem.text.split("\n"):
            print(line)
            print(prosody.tone_marks(line))
        report = prosody.check_poem(poem.text, pattern)
        verdict = "✓ 合律 follows the pattern" if report.passed else f"✗ {', '.join(report.failed_rules)}"
        print(verdict + "\n")
    return 0
