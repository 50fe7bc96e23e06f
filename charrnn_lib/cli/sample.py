"""`charrnn sample`: text from a run folder or a pretrained run; the sampling flags are `SamplingSettings`' fields."""

from __future__ import annotations

import argparse

from charrnn_lib.cli.options import add_settings_flags, add_weights_arguments, sampler_from_args
from charrnn_lib.config import SAMPLING_KNOBS, SamplingSettings


def add_sample_parser(commands: argparse._SubParsersAction) -> None:
    """Add the `sample` subcommand."""
    sample = commands.add_parser("sample", help="Generate text from a trained model · 用训练好的模型生成文本",
                                 description="Generate text from a run folder · 从训练结果生成文本")
    add_weights_arguments(sample)
    sample.add_argument("--start_string", default="", help="prime text the sample starts with · 起始字符串")
    sample.add_argument("--max_length", type=int, default=30,
                        help="characters to generate · 生成的字符数 (default: %(default)s)")
    add_settings_flags(sample, SamplingSettings)
    sample.add_argument("--num_samples", type=int, default=1,
                        help="independent samples, generated as one batch · 样本数 (default: %(default)s)")
    sample.add_argument("--seed", type=int, help="random seed · 随机种子")
    sample.add_argument("--allow_unknown", action="store_true",
                        help="feed unknown prime characters as <unk> instead of failing · 允许未知字符")
    sample.set_defaults(func=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    """Print the samples, separated by a blank line."""
    settings = SamplingSettings.from_controls(**{knob: getattr(args, knob) for knob in SAMPLING_KNOBS})
    texts = sampler_from_args(args).sample(args.start_string, args.max_length, settings,
                                           num_samples=args.num_samples, seed=args.seed,
                                           allow_unknown=args.allow_unknown)
    print("\n\n".join(texts))
    return 0
