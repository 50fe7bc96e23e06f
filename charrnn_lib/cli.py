"""Command line: `charrnn train`, `charrnn sample`, `charrnn data` (flag names as in the source material)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence

from charrnn_lib import backend
from charrnn_lib.config import KNOBS, ModelConfig, TrainConfig
from charrnn_lib.errors import CharRNNError, MissingBackendError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charrnn",
        description="Character-level RNN text generation with Keras 3 · 字符级 RNN 文本生成（AI 作诗）",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,poem,data}")
    _add_train_parser(commands)
    _add_sample_parser(commands)
    from charrnn_lib.cli_data import add_data_parser
    from charrnn_lib.cli_poem import add_poem_parser

    add_poem_parser(commands)
    add_data_parser(commands)
    return parser


def _add_train_parser(commands) -> None:
    train = commands.add_parser("train", help="Train a model on a text file · 在文本上训练模型",
                                description="Train a char-RNN; checkpoints go to model/<name>/ · 训练字符级 RNN，"
                                            "检查点保存在 model/<name>/")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--input_file", help="UTF-8 text file to learn from · UTF-8 编码的训练文本")
    source.add_argument("--dataset", help="a corpus from the catalog (see `charrnn data list`) · 语料库名称")
    _add_setting_flags(train)
    train.add_argument("--unroll", action="store_true",
                       help="unroll the LSTM over num_steps: slower start, faster steps for big models on CPU · "
                            "按时间步展开 LSTM：启动更慢，大模型在 CPU 上训练更快")
    train.add_argument("--output_dir", default="model", help="parent folder of runs · 模型目录 (default: %(default)s)")
    train.add_argument("--no_resume", action="store_true",
                       help="start over even if model/<name>/ has a checkpoint · 不从已有检查点继续")
    train.set_defaults(func=_run_train)


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per field of the settings, named as the field (as the source material names it), with its help."""
    fields = [field for field in dataclasses.fields(TrainConfig) if field.name != "model"]
    for field in [*dataclasses.fields(ModelConfig), *fields]:
        options = dict(field.metadata)
        default = field.default
        if isinstance(default, bool):  # --name switches it on, --no_name off; the default is the field's
            parser.add_argument(f"--{field.name}", action="store_true", default=default,
                                help=options["help"] + (" (default: on)" if default else ""))
            parser.add_argument(f"--no_{field.name}", dest=field.name, action="store_false",
                                help=f"switch {field.name} off · 关闭 {field.name}" if default else argparse.SUPPRESS)
            continue
        options.setdefault("type", type(default))
        suffix = " (default: %(default)s)" if default is not None else ""
        parser.add_argument(f"--{field.name}", default=default, **{**options, "help": options["help"] + suffix})


def _add_sample_parser(commands) -> None:
    sample = commands.add_parser("sample", help="Generate text from a trained model · 用训练好的模型生成文本",
                                 description="Generate text from a run folder · 从训练结果生成文本")
    add_weights_arguments(sample)
    sample.add_argument("--start_string", default="", help="prime text the sample starts with · 起始字符串")
    sample.add_argument("--max_length", type=int, default=30,
                        help="characters to generate · 生成的字符数 (default: %(default)s)")
    sample.add_argument("--top_n", type=int, default=5,
                        help="sample among the n most likely characters · 只在概率最高的 n 个字符中采样 "
                             "(default: %(default)s)")
    sample.add_argument("--top_p", type=float,
                        help="then keep the fewest most likely characters whose probability adds up to p "
                             "(nucleus sampling; default: off) · 再只保留累计概率达到 p 的最可能字符（核采样）")
    sample.add_argument("--temperature", type=float, default=1.0,
                        help="below 1 = safer, above 1 = wilder · 温度 (default: %(default)s)")
    sample.add_argument("--num_samples", type=int, default=1,
                        help="independent samples, generated as one batch · 样本数 (default: %(default)s)")
    sample.add_argument("--seed", type=int, help="random seed · 随机种子")
    sample.add_argument("--allow_unknown", action="store_true",
                        help="feed unknown prime characters as <unk> instead of failing · 允许未知字符")
    sample.set_defaults(func=_run_sample)


def _run_train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from charrnn_lib.text import read_corpus
    from charrnn_lib.training import train

    config = TrainConfig.from_knobs(**{knob: getattr(args, knob) for knob in ("name", *KNOBS)})
    if args.dataset:
        from charrnn_lib.datasets import load

        text = load(args.dataset)
    else:
        text = read_corpus(args.input_file)
    run = train(text, config, Path(args.output_dir) / config.name, resume=not args.no_resume, verbose=0,
                unroll=args.unroll)
    if run.history.val_bpc:
        print(f"validation: loss {run.history.val_loss[-1]:.4f} nats/char, {run.history.val_bpc[-1]:.3f} bits/char "
              f"· 验证集每字符比特数 {run.history.val_bpc[-1]:.3f}")
    print(f"saved to {run.run_dir} · 模型已保存到 {run.run_dir}")
    return 0


def add_weights_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the model comes from: a run folder or checkpoint, or a pretrained run that ships with charrnn."""
    weights = parser.add_mutually_exclusive_group(required=True)
    weights.add_argument("--checkpoint_path",
                         help="run folder (model/<name>) or a checkpoint file · 模型文件夹或检查点文件")
    weights.add_argument("--pretrained", metavar="NAME",
                         help="a pretrained run that ships with charrnn: tang or anna · 随 charrnn 附带的预训练模型")
    parser.add_argument("--converter_path", help="vocabulary JSON (default: the run's converter.json) · 词表文件")


def sampler_from_args(args: argparse.Namespace):
    """The `Sampler` that `add_weights_arguments`' flags name."""
    from charrnn_lib.sample import Sampler

    if args.pretrained:
        from charrnn_lib.pretrained import pretrained_path

        return Sampler.from_run(pretrained_path(args.pretrained), args.converter_path)
    return Sampler.from_run(args.checkpoint_path, args.converter_path)


def _run_sample(args: argparse.Namespace) -> int:
    sampler = sampler_from_args(args)
    texts = sampler.sample(args.start_string, args.max_length, num_samples=args.num_samples, top_n=args.top_n or None,
                           top_p=args.top_p, temperature=args.temperature, seed=args.seed,
                           allow_unknown=args.allow_unknown)
    print("\n\n".join(texts))
    return 0


def _log_to_stderr() -> None:
    """Send the library's progress lines (the `charrnn` logger) to stderr, once per invocation."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("charrnn")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: user mistakes become one line on stderr and exit code 2, never a traceback."""
    args = build_parser().parse_args(argv)
    _log_to_stderr()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # TensorFlow's INFO lines off; its warnings and errors stay
    try:
        if args.command != "data":
            backend.load()  # before anything imports keras: TensorFlow's start-up notices held back
        return args.func(args)
    except CharRNNError as error:
        print(f"charrnn: error: {error.english} · {error.chinese}", file=sys.stderr)
        return EXIT_USER_ERROR
    except MissingBackendError as error:
        print(f"charrnn: error: {error}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("charrnn: interrupted · 已中断", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
