"""The one lookup of a corpus by name: the cache, then each source in catalog order, every text checked by sha256.

One name is one text. A cached or data-folder file whose checksum is not the name's is never used under that
name: the lookup says so and falls through to the next source, and keeps only text with the name's checksum.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
from pathlib import Path

from charrnn_lib.atomic import atomic_path
from charrnn_lib.datasets.catalog import Catalog, Corpus, DataDirSource, Source
from charrnn_lib.datasets.fetch import raw_material, sha256
from charrnn_lib.datasets.recipes import RECIPES
from charrnn_lib.errors import DatasetError
from charrnn_lib.text import TextConverter

logger = logging.getLogger("charrnn")


@dataclasses.dataclass(frozen=True)
class Folders:
    """Where corpora are looked up: the shared data folder (may be absent) and the cache of prepared files."""

    data_dir: Path | None
    cache_dir: Path


@dataclasses.dataclass(frozen=True)
class CorpusStats:
    """Sizes of a prepared corpus and how much of it a capped vocabulary covers."""

    name: str
    characters: int
    lines: int
    distinct: int
    max_vocab: int
    coverage: float
    most_frequent: list[tuple[str, int]]


def folders() -> Folders:
    """Read CHARRNN_DATA_DIR and CHARRNN_CACHE_DIR: the only environment reads of the dataset code."""
    data_dir = os.environ.get("CHARRNN_DATA_DIR", "").strip()
    cache_dir = os.environ.get("CHARRNN_CACHE_DIR", "").strip()
    return Folders(
        data_dir=_named_data_dir(data_dir) if data_dir else _default_data_dir(),
        cache_dir=Path(cache_dir).expanduser() if cache_dir else Path.home() / ".cache" / "charrnn" / "datasets",
    )


def load(name: str, max_chars: int | None = None, *, catalog: Catalog | None = None) -> str:
    """The prepared text of corpus `name` (its first `max_chars` characters for quick runs)."""
    if max_chars is not None and (isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1):
        raise DatasetError(
            f"max_chars must be a positive whole number or None, got {max_chars!r}.",
            f"max_chars 必须是正整数或 None，收到 {max_chars!r}。",
        )
    return prepare(name, catalog=catalog).read_bytes().decode("utf-8")[:max_chars]


def prepare(name: str, *, force: bool = False, source_kind: str | None = None,
            catalog: Catalog | None = None) -> Path:
    """The cached prepared file of `name`; built from the first source that works when the cache lacks it.

    `force` rebuilds even a valid cache; `source_kind` ("data_dir", "npm", "url", "python") tries that kind only.
    Text whose checksum is not the name's is never written; a failed build leaves the old cache untouched.
    """
    corpus = (catalog or Catalog.read()).corpus(name)
    where = folders()
    target = where.cache_dir / corpus.file_name
    if target.exists() and not force and source_kind is None:
        if is_text_of(corpus, target):
            return target
        logger.warning("%s is not the text of %r (its sha256 differs from the catalog's); preparing it again.",
                       target, name)
    candidates = [source for source in corpus.sources if source_kind in (None, source.kind)]
    if not candidates:
        kinds = ", ".join(source.kind for source in corpus.sources)
        raise DatasetError(f"{name!r} has no {source_kind!r} source; its sources are: {kinds}.",
                           f"语料 {name!r} 没有 {source_kind!r} 来源；可用来源：{kinds}。")
    failures = []
    for source in candidates:
        try:
            text = prepare_text(corpus, source, where)
        except DatasetError as error:
            failures.append(error)
            if isinstance(source, DataDirSource) and where.data_dir and (where.data_dir / source.file).is_file():
                logger.warning("%s", error.english)  # a wrong file in the data folder: say so, then fall through
            continue
        with atomic_path(target) as temporary:
            temporary.write_bytes(text.encode("utf-8"))  # bytes, so no platform newline translation
        return target
    raise DatasetError(
        f"Cannot prepare {name!r} here: " + " | ".join(error.english for error in failures),
        f"无法在本机准备语料 {name!r}：" + " | ".join(error.chinese for error in failures),
    )


def build_text(corpus: Corpus, source: Source, where: Folders | None = None) -> str:
    """Run the source's recipe on its verified raw material (no cache, no check of the result)."""
    where = where or folders()
    with raw_material(corpus, source, where.data_dir) as raw:
        return RECIPES[source.recipe](raw, source)


def prepare_text(corpus: Corpus, source: Source, where: Folders | None = None) -> str:
    """The text `source` gives for the name, refused unless it is the name's text (its sha256)."""
    text = build_text(corpus, source, where)
    if corpus.prepared is not None and (actual := sha256(text.encode("utf-8"))) != corpus.prepared.sha256:
        raise DatasetError(
            f"Preparing {corpus.name!r} from {source.label()} gave sha256 {actual}, but the catalog expects "
            f"{corpus.prepared.sha256}; the source or the recipe changed, so it was not used.",
            f"从 {source.label()} 准备语料 {corpus.name!r} 得到 sha256 {actual}，与语料目录要求的 "
            f"{corpus.prepared.sha256} 不符；来源或处理方法已改变，因此没有使用它。",
        )
    return text


def is_text_of(corpus: Corpus, file: Path) -> bool:
    """True when `file` holds exactly the text the name stands for (machine-dependent texts are rebuilt to compare)."""
    digest = sha256(file.read_bytes())
    if corpus.prepared is not None:
        return digest == corpus.prepared.sha256
    return any(digest == sha256(build_text(corpus, source).encode("utf-8")) for source in corpus.sources)


def unavailable_reason(name: str, *, catalog: Catalog | None = None) -> str | None:
    """None when `name` can be loaded here (preparing it if needed); otherwise one line saying why and how to get it."""
    try:
        prepare(name, catalog=catalog)
    except DatasetError as error:
        return error.english
    return None


def availability(corpus: Corpus) -> str:
    """Where `load` would get the corpus now, without fetching anything: `cached`, `data folder`, `download`, …"""
    where = folders()
    target = where.cache_dir / corpus.file_name
    if target.exists():
        return "cached" if is_text_of(corpus, target) else "cached file is another text"
    for source in corpus.sources:
        if not isinstance(source, DataDirSource):
            return {"npm": "needs npm", "url": "download", "python": "built locally"}[source.kind]
        if where.data_dir and (where.data_dir / source.file).is_file():
            return "data folder"
    return "data folder only (missing)"


def statistics(name: str, max_vocab: int = 3500, top: int = 10, *, catalog: Catalog | None = None) -> CorpusStats:
    """Characters, distinct characters, the share of the text `max_vocab` characters cover, the most frequent."""
    text = load(name, catalog=catalog)
    counts = collections.Counter(text)
    vocabulary = TextConverter.from_text(text, max_vocab).vocab
    covered = sum(counts[char] for char in vocabulary)
    return CorpusStats(
        name=name,
        characters=len(text),
        lines=len(text.splitlines()),
        distinct=len(counts),
        max_vocab=max_vocab,
        coverage=covered / len(text),
        most_frequent=[(char, counts[char]) for char in vocabulary[:top]],
    )


def _named_data_dir(value: str) -> Path:
    """The folder CHARRNN_DATA_DIR names; a typo is an error, not a silent fallback."""
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise DatasetError(
            f"CHARRNN_DATA_DIR is {value!r}, which is not a folder; fix it or unset it.",
            f"CHARRNN_DATA_DIR 的值 {value!r} 不是文件夹；请改正或取消设置。",
        )
    return folder


def _default_data_dir() -> Path | None:
    """`../shared/datasets` beside a source checkout, when it exists (an installed wheel has none)."""
    folder = Path(__file__).resolve().parents[3] / "shared" / "datasets"
    return folder if folder.is_dir() else None
