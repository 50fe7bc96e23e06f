"""Prepare every source in the catalog and check (or, with --update, rewrite) each name's `prepared` numbers.

Run it after changing a recipe or a pinned source:

    python tools/prepare_datasets.py            # prepare, compare with the catalog, print a table
    python tools/prepare_datasets.py --update   # write the new sha256 / characters / lines into the catalog
    python tools/prepare_datasets.py --compare  # also compare `tang` (npm) with `tang_hzy46` (the seed's copy)

Every source of a name must give the same text (one name, one text). URL sources are downloaded only with
--download; otherwise they take the text of the data-folder copy with the same raw sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json

from charrnn_lib import datasets


def measure(text: str) -> dict[str, object]:
    """The catalog's `prepared` block for a text."""
    return {
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "characters": len(text),
        "lines": len(text.splitlines()),
    }


def compare_tang(npm_text: str, copy_text: str) -> str:
    """How the npm-prepared couplets compare with the hzy46 copy: size, lines and vocabulary overlap."""
    npm_lines, copy_lines = npm_text.splitlines(), copy_text.splitlines()
    npm_vocab, copy_vocab = set(npm_text) - {"\n"}, set(copy_text) - {"\n"}
    shared_lines = set(npm_lines) & set(copy_lines)
    copy_characters = copy_text.replace("\n", "")
    covered = sum(1 for char in copy_characters if char in npm_vocab) / len(copy_characters)
    return "\n".join([
        "                     npm (chinese-poetry)   hzy46 copy",
        f"lines                {len(npm_lines):>20,}   {len(copy_lines):>10,}",
        f"distinct lines       {len(set(npm_lines)):>20,}   {len(set(copy_lines)):>10,}",
        f"characters           {len(npm_text):>20,}   {len(copy_text):>10,}",
        f"distinct characters  {len(npm_vocab):>20,}   {len(copy_vocab):>10,}",
        f"shared distinct characters: {len(npm_vocab & copy_vocab):,}; "
        f"shared distinct lines: {len(shared_lines):,} ({len(shared_lines) / len(set(copy_lines)):.1%} of the copy's)",
        f"share of the copy's characters (newlines aside) whose character occurs in the npm text: {covered:.3%}",
    ])


def prepare_all(download: bool) -> dict[tuple[str, int], str]:
    """Text built from every source that can be had here, keyed by (corpus name, source index)."""
    catalog, where = datasets.Catalog.read(), datasets.folders()
    texts: dict[tuple[str, int], str] = {}
    for name, corpus in catalog.corpora.items():
        by_raw_sha256: dict[str, str] = {}
        for index, source in enumerate(corpus.sources):
            raw_sha256 = getattr(source, "sha256", None)
            if source.kind == "url" and not download and raw_sha256 in by_raw_sha256:
                texts[name, index] = by_raw_sha256[raw_sha256]
                continue
            if source.kind == "data_dir" and not (where.data_dir and (where.data_dir / source.file).is_file()):
                print(f"{name:16} {source.label():48} skipped: not in the data folder")
                continue
            texts[name, index] = datasets.build_text(corpus, source, where)
            if raw_sha256:
                by_raw_sha256[raw_sha256] = texts[name, index]
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the prepared numbers into the catalog")
    parser.add_argument("--download", action="store_true", help="also download URL sources")
    parser.add_argument("--compare", action="store_true", help="compare tang (npm) with tang_hzy46")
    args = parser.parse_args(argv)

    catalog_file = datasets.catalog_path()
    payload = json.loads(catalog_file.read_text(encoding="utf-8"))
    catalog = datasets.Catalog.read()
    texts = prepare_all(args.download)
    problems = 0
    for name in catalog.corpora:
        entry = payload["corpora"][name]
        measured = {index: measure(text) for (corpus, index), text in texts.items() if corpus == name}
        distinct = {json.dumps(numbers, sort_keys=True) for numbers in measured.values()}
        for index, numbers in measured.items():
            status = "ok" if entry["prepared"] in (None, numbers) else "CHANGED"
            if len(distinct) > 1:
                status = "SOURCES DISAGREE"
            problems += status != "ok"
            label = catalog.corpora[name].sources[index].label()
            print(f"{name:16} {label[:48]:48} {numbers['characters']:>10,} chars {numbers['sha256'][:12]}… {status}")
        if args.update and entry["prepared"] is not None and len(distinct) == 1:
            entry["prepared"] = next(iter(measured.values()))
    if args.update:
        catalog_file.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.compare and ("tang", 0) in texts and ("tang_hzy46", 0) in texts:
        print(compare_tang(texts["tang", 0], texts["tang_hzy46", 0]))
    return 1 if problems and not args.update else 0


if __name__ == "__main__":
    raise SystemExit(main())
