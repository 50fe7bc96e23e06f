"""`charrnn poem`: poems that follow a 格律 pattern and rhyme, each printed with its 平仄 marks underneath."""

from __future__ import annotations

import argparse


def add_poem_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `poem` subcommand to the main CLI."""
    from charrnn_lib.cli.options import add_weights_arguments

    poem = subparsers.add_parser(
        "poem", help="Write regulated verse (格律) · 按格律作诗",
        description="Sample 五言 or 七言 poems whose tones and rhyme follow a regulated pattern, enforced while "
                    "sampling · 在采样时强制平仄与押韵，写出合律的五言或七言诗")
    add_weights_arguments(poem)
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
                      help="平水韵 group, e.g. 东 支 阳 (default: the group the vocabulary stocks best) · 韵部")
    poem.add_argument("--acrostic", default="", help="head characters, one per line (藏头), e.g. 春夏秋冬 · 藏头字")
    poem.add_argument("--num_samples", type=int, default=5, help="poems to write · 诗的数量 (default: %(default)s)")
    poem.add_argument("--top_n", type=int, default=5,
                      help="sample among the n most likely allowed characters, 0 = all · 候选字数 "
                           "(default: %(default)s)")
    poem.add_argument("--temperature", type=float, default=1.0, help="温度 (default: %(default)s)")
    poem.add_argument("--seed", type=int, help="random seed · 随机种子")
    poem.set_defaults(func=run_poem)


def run_poem(args: argparse.Namespace) -> int:
    """Print each poem line by line with its 平仄 marks below, then whether it passes the full check."""
    from charrnn_lib import poetry, prosody
    from charrnn_lib.cli.options import sampler_from_args

    pattern = prosody.Pattern(args.form, args.pattern, args.first_line_rhymed)
    sampler = sampler_from_args(args)
    rhyme = args.rhyme or poetry.best_rhyme_group(sampler.converter)  # chosen once, shown in the heading
    request = poetry.FormRequest(pattern, rhyme, args.acrostic, args.strict)
    poems = poetry.write_regulated(sampler, request, num_samples=args.num_samples, top_n=args.top_n or None,
                                   temperature=args.temperature, seed=args.seed)
    print(f"{pattern.chinese_name} · 押{rhyme}韵 ({args.form}, {args.pattern}, rhyme {rhyme})\n")
    for poem in poems:
        for line in poem.split("\n"):
            print(line)
            print(prosody.tone_marks(line))
        report = prosody.check_poem(poem, pattern)
        verdict = "✓ 合律 follows the pattern" if report.passed else f"✗ {', '.join(report.failed_rules)}"
        print(verdict + "\n")
    return 0
