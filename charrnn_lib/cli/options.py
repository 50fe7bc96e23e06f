"""Options more than one command takes: flags generated from the settings dataclasses, and where weights come from."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charrnn_lib.sample import Sampler


def add_settings_flags(parser: argparse.ArgumentParser, *kinds: type) -> None:
    """One flag per field of each settings dataclass, named as the field (as the source material names it).

    A field's `help` metadata is its help line, and its other metadata are argparse's options; a field without
    help (a nested part of the settings) has no flag of its own. An on/off field takes `--NAME` and `--no_NAME`.
    """
    for field in [field for kind in kinds for field in dataclasses.fields(kind) if "help" in field.metadata]:
        options, default = dict(field.metadata), field.default
        if isinstance(default, bool):  # --name switches it on, --no_name off; the default is the field's
            parser.add_argument(f"--{field.name}", action="store_true", default=default,
                                help=options["help"] + (" (default: on)" if default else ""))
            parser.add_argument(f"--no_{field.name}", dest=field.name, action="store_false",
                                help=f"switch {field.name} off · 关闭 {field.name}" if default else argparse.SUPPRESS)
            continue
        options.setdefault("type", type(default))
        suffix = " (default: %(default)s)" if default is not None else ""
        parser.add_argument(f"--{field.name}", default=default, **{**options, "help": options["help"] + suffix})


def add_weights_arguments(parser: argparse.ArgumentParser, default_pretrained: str | None = None) -> None:
    """Where the model comes from: a run folder or checkpoint, or a pretrained run that ships with charrnn
    (`default_pretrained` when neither is named; without it, one must be)."""
    weights = parser.add_mutually_exclusive_group(required=default_pretrained is None)
    weights.add_argument("--checkpoint_path",
                         help="run folder (model/<name>) or a checkpoint file · 模型文件夹或检查点文件")
    default = f" (default: {default_pretrained})" if default_pretrained else ""
    weights.add_argument("--pretrained", metavar="NAME", default=default_pretrained,
                         help=f"a pretrained run that ships with charrnn: tang or anna · 随 charrnn 附带的预训练模型"
                              f"{default}")
    parser.add_argument("--converter_path", help="vocabulary JSON (default: the run's converter.json) · 词表文件")


def run_folder_of(args: argparse.Namespace) -> Path:
    """The run (or pretrained) folder that `add_weights_arguments`' flags name."""
    from charrnn_lib.checkpoints import resolve_checkpoint

    if args.checkpoint_path:
        return resolve_checkpoint(args.checkpoint_path)[0]
    from charrnn_lib.pretrained import pretrained_path

    return pretrained_path(args.pretrained)


def sampler_from_args(args: argparse.Namespace) -> Sampler:
    """The `Sampler` that `add_weights_arguments`' flags name."""
    from charrnn_lib.sample import Sampler  # TensorFlow loads here, after `main` has quieted its start-up notices

    return Sampler.from_run(args.checkpoint_path or run_folder_of(args), args.converter_path)
