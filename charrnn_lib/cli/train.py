"""`charrnn train`: train a char-RNN on a text file or a catalog corpus; every setting is a flag."""

from __future__ import annotations

import argparse
from pathlib import Path

from charrnn_lib.cli.options import add_settings_flags
from charrnn_lib.config import KNOBS, Architecture, BatchLayout, TrainConfig


def add_train_parser(commands: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand: its flags are the settings' fields (`charrnn_lib.config`)."""
    train = commands.add_parser("train", help="Train a model on a text file · 在文本上训练模型",
                                description="Train a char-RNN; checkpoints go to model/<name>/ · 训练字符级 RNN，"
                                            "检查点保存在 model/<name>/")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--input_file", help="UTF-8 text file to learn from · UTF-8 编码的训练文本")
    source.add_argument("--dataset", help="a corpus from the catalog (see `charrnn data list`) · 语料库名称")
    add_settings_flags(train, BatchLayout, Architecture, TrainConfig)
    train.add_argument("--unroll", action="store_true",
                       help="unroll the LSTM over num_steps: slower start, faster steps for big models on CPU · "
                            "按时间步展开 LSTM：启动更慢，大模型在 CPU 上训练更快")
    train.add_argument("--output_dir", default="model", help="parent folder of runs · 模型目录 (default: %(default)s)")
    train.add_argument("--no_resume", action="store_true",
                       help="start over even if model/<name>/ has a checkpoint · 不从已有检查点继续")
    train.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    """Train (or resume) the run the flags describe, then print where it went and its validation loss."""
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
