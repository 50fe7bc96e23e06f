"""Command line: `charrnn train`, `charrnn sample`, `charrnn data` (flag names as in the seed lessons)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from charrnn_lib.config import TrainConfig
from charrnn_lib.errors import CharRNNError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
_DEFAULTS = TrainConfig()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charrnn",
        description="Character-level RNN text generation with Keras 3 · 字符级 RNN 文本生成（AI 作诗）",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,data}")
    _add_train_parser(commands)
    _add_sample_parser(commands)
    from charrnn_lib.cli_data import add_data_parser

    add_data_parser(commands)
    return parser


def _add_train_parser(commands) -> None:
    train = commands.add_parser("train", help="Train a model on a text file · 在文本上训练模型",
                                description="Train a char-RNN; checkpoints go to model/<name>/ · 训练字符级 RNN，"
                                            "检查点保存在 model/<name>/")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--input_file", help="UTF-8 text file to learn from · UTF-8 编码的训练文本")
    source.add_argument("--dataset", help="a corpus from the catalog (see `charrnn data list`) · 语料库名称")
    train.add_argument("--name", default=_DEFAULTS.name, help="run name: model/<name>/ · 模型名 (default: %(default)s)")
    knobs = {
        "num_seqs": (int, "sequences per batch · 每批序列数"),
        "num_steps": (int, "characters per sequence (time steps) · 每条序列的长度"),
        "lstm_size": (int, "hidden units per LSTM layer · LSTM 隐藏单元数"),
        "num_layers": (int, "number of LSTM layers · LSTM 层数"),
        "embedding_size": (int, "embedding size · 嵌入维度"),
        "max_steps": (int, "training steps (batches) in total · 总训练步数"),
        "save_every_n": (int, "validate and save a checkpoint every n steps · 每 n 步验证并保存"),
        "log_every_n": (int, "log every n steps · 每 n 步打印日志"),
        "max_vocab": (int, "keep the most frequent characters, the rest become <unk> · 词表最大字符数"),
        "learning_rate": (float, "Adam learning rate · 学习率"),
        "train_keep_prob": (float, "probability of keeping a unit in dropout · dropout 保留概率"),
        "grad_clip": (float, "clip gradients to this global norm · 梯度裁剪阈值"),
        "validation_fraction": (float, "tail of the corpus held out for validation · 验证集比例"),
    }
    for knob, (kind, text) in knobs.items():
        train.add_argument(f"--{knob}", type=kind, default=getattr(_DEFAULTS, knob),
                           help=f"{text} (default: %(default)s)")
    train.add_argument("--use_embedding", action="store_true", help="embedding instead of one-hot input · 使用嵌入层")
    train.add_argument("--cell", choices=["lstm", "gru", "rnn"], default=_DEFAULTS.cell,
                       help="recurrent cell · 循环单元 (default: %(default)s)")
    train.add_argument("--seed", type=int, help="random seed for a reproducible run · 随机种子")
    train.add_argument("--unroll", action="store_true",
                       help="unroll the LSTM over num_steps: slower start, faster steps for big models on CPU · "
                            "按时间步展开 LSTM：启动更慢，大模型在 CPU 上训练更快")
    train.add_argument("--output_dir", default="model", help="parent folder of runs · 模型目录 (default: %(default)s)")
    train.add_argument("--no_resume", action="store_true",
                       help="start over even if model/<name>/ has a checkpoint · 不从已有检查点继续")
    train.set_defaults(func=_run_train)


def _add_sample_parser(commands) -> None:
    sample = commands.add_parser("sample", help="Generate text from a trained model · 用训练好的模型生成文本",
                                 description="Generate text from a run folder · 从训练结果生成文本")
    sample.add_argument("--checkpoint_path", required=True,
                        help="run folder (model/<name>) or a checkpoint file · 模型文件夹或检查点文件")
    sample.add_argument("--converter_path", help="vocabulary JSON (default: the run's converter.json) · 词表文件")
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

    config = TrainConfig(**{knob: getattr(args, knob) for knob in TrainConfig().to_dict() if hasattr(args, knob)})
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


def _run_sample(args: argparse.Namespace) -> int:
    from charrnn_lib.sample import Sampler

    sampler = Sampler.from_run(args.checkpoint_path, args.converter_path)
    texts = sampler.sample(args.start_string, args.max_length, num_samples=args.num_samples, top_n=args.top_n,
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
    try:
        return args.func(args)
    except CharRNNError as error:
        print(f"charrnn: error: {error.english} · {error.chinese}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("charrnn: interrupted · 已中断", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
