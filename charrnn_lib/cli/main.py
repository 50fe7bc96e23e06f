"""The `charrnn` command: one module per subcommand; a user's mistake becomes one line and exit code 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from charrnn_lib import backend
from charrnn_lib.cli.data import add_data_parser
from charrnn_lib.cli.poem import add_poem_parser
from charrnn_lib.cli.sample import add_sample_parser
from charrnn_lib.cli.train import add_train_parser
from charrnn_lib.errors import CharRNNError, MissingBackendError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charrnn",
        description="Character-level RNN text generation with Keras 3 · 字符级 RNN 文本生成（AI 作诗）",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{train,sample,poem,data}")
    add_train_parser(commands)
    add_sample_parser(commands)
    add_poem_parser(commands)
    add_data_parser(commands)
    return parser


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
