"""`charrnn data …`: list, prepare, locate and inspect the catalog's corpora."""

from __future__ import annotations

import argparse
import sys
import unicodedata

from charrnn_lib import datasets


def add_data_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add the `data` subcommand and its actions to the main CLI."""
    data = subparsers.add_parser("data", help="Corpora: list, prepare, locate, inspect · 语料：列出、准备、定位、统计")
    actions = data.add_subparsers(dest="data_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="List the corpora · 列出语料")
    listing.set_defaults(func=list_corpora)

    prepare = actions.add_parser("prepare", help="Build a corpus into the cache · 准备语料并缓存")
    prepare.add_argument("name", help="corpus name, see `charrnn data list` · 语料名")
    prepare.add_argument("--force", action="store_true", help="rebuild even if cached · 即使已缓存也重建")
    prepare.add_argument("--source", choices=list(datasets.SOURCE_TYPES), help="prepare from this source · 指定来源")
    prepare.set_defaults(func=prepare_corpus)

    where = actions.add_parser("path", help="Print the prepared file's path · 打印语料文件路径")
    where.add_argument("name", help="corpus name · 语料名")
    where.set_defaults(func=print_path)

    stats = actions.add_parser("stats", help="Characters, vocabulary coverage · 字符数与词表覆盖率")
    stats.add_argument("name", help="corpus name · 语料名")
    stats.add_argument("--max_vocab", type=int, default=3500, help="vocabulary size to cover (default 3500) · 词表大小")
    stats.add_argument("--top", type=int, default=10, help="most frequent characters to show · 显示最常见的字符数")
    stats.set_defaults(func=print_stats)


def list_corpora(args: argparse.Namespace) -> int:
    """Print the catalog as a table, with where each corpus would come from now."""
    rows = [("NAME", "LANGUAGE", "CHARACTERS", "STATUS", "TITLE")]
    for corpus in datasets.Catalog.read().corpora.values():
        size = f"{corpus.prepared.characters:,}" if corpus.prepared else "~1,000,000"
        rows.append((corpus.name, corpus.language, size, datasets.availability(corpus), corpus.title))
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        *cells, title = row
        pairs = zip(cells, widths, strict=True)
        padded = [_pad(cell, width, right=column == 2) for column, (cell, width) in enumerate(pairs)]
        print("  ".join([*padded, title]))
    return 0


def prepare_corpus(args: argparse.Namespace) -> int:
    """Build (or verify) the cached prepared file and say where it came from."""
    print(f"Preparing {args.name} … · 正在准备 {args.name} …", file=sys.stderr)
    target = datasets.prepare(args.name, force=args.force, source_kind=args.source)
    print(f"{args.name}: {target} (sha256 checked · 已校验)")
    return 0


def print_path(args: argparse.Namespace) -> int:
    """Print only the path, so that `$(charrnn data path tang)` works in a shell."""
    print(datasets.prepare(args.name))
    return 0


def print_stats(args: argparse.Namespace) -> int:
    """Print sizes, the coverage of `--max_vocab` characters, and the most frequent characters."""
    stats = datasets.statistics(args.name, max_vocab=args.max_vocab, top=args.top)
    covered = min(stats.max_vocab, stats.distinct)
    rows = [
        ("characters · 字符数", f"{stats.characters:,}"),
        ("lines · 行数", f"{stats.lines:,}"),
        ("distinct characters · 不同字符", f"{stats.distinct:,}"),
        (f"coverage of max_vocab {stats.max_vocab:,} · 词表覆盖率", f"{stats.coverage:.2%}"),
    ]
    print(f"{stats.name}: {datasets.prepare(stats.name)}")
    for label, value in rows:
        print(f"  {_pad(label, 40)} {value:>10}")
    print(f"  (the {covered:,} most frequent characters · 最常见的 {covered:,} 个字符)")
    shown = "  ".join(f"{_visible(char)} {count:,}" for char, count in stats.most_frequent)
    print(f"  most frequent · 最常见: {shown}")
    return 0


def _visible(char: str) -> str:
    """Show whitespace characters by name so the frequency line stays readable."""
    return {"\n": "\\n", " ": "␠", "\t": "\\t", "\u3000": "\\u3000"}.get(char, char)


def _width(text: str) -> int:
    """Columns a string takes in a terminal: wide (CJK) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    """Pad to `width` terminal columns."""
    padding = " " * (width - _width(text))
    return padding + text if right else text + padding
