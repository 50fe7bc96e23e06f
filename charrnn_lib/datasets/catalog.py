"""The catalog of corpora: one name, one prepared text (one sha256), and the sources it can be prepared from.

The catalog ships inside the package (`charrnn_lib/datasets/catalog.json`), so an installed wheel knows it too.
Each source kind has its own type with exactly the fields it needs.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import os
import platform
from pathlib import Path
from typing import Any

from charrnn_lib.errors import DatasetError
from charrnn_lib.versioned_json import VersionedJson


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What the prepared text of a name must be: its sha256 and size."""

    sha256: str
    characters: int
    lines: int


@dataclasses.dataclass(frozen=True)
class DataDirSource:
    """A raw file in the folder named by CHARRNN_DATA_DIR, checked by its sha256."""

    file: str
    sha256: str
    recipe: str
    kind = "data_dir"

    def label(self) -> str:
        return f"data folder: {self.file}"


@dataclasses.dataclass(frozen=True)
class UrlSource:
    """A raw file downloaded from a pinned address, checked by its sha256."""

    url: str
    sha256: str
    recipe: str
    kind = "url"

    def label(self) -> str:
        return f"download {self.url}"


@dataclasses.dataclass(frozen=True)
class NpmSource:
    """An npm package tarball (`npm pack name@version`), checked by the registry's sha512 integrity."""

    package: str
    integrity: str
    members: str  # glob of the tarball members the recipe reads
    opencc: str  # the OpenCC version the prepared sha256 was computed with
    recipe: str
    kind = "npm"

    def label(self) -> str:
        return f"npm {self.package}"


@dataclasses.dataclass(frozen=True)
class PythonSource:
    """The running Python's own standard library: on every machine, but different for each Python version."""

    max_characters: int
    recipe: str
    kind = "python"

    def label(self) -> str:
        return f"Python {platform.python_version()} standard library"


Source = DataDirSource | UrlSource | NpmSource | PythonSource
SOURCE_TYPES: dict[str, type] = {kind.kind: kind for kind in (DataDirSource, UrlSource, NpmSource, PythonSource)}


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A catalog entry: what the text is, its checksum, and where it can be prepared from (in order)."""

    name: str
    language: str
    title: str
    description: str
    origin: str
    licence: str
    preparation: str
    prepared: Prepared | None  # None: the text depends on the machine (the running Python's standard library)
    sources: tuple[Source, ...]

    @property
    def file_name(self) -> str:
        return f"{self.name}.txt"


CATALOG_JSON = VersionedJson("charrnn-catalog", (2,), DatasetError, ("dataset catalog", "语料目录文件"),
                             ("reinstall charrnn-lib", "请重新安装 charrnn-lib"))


def catalog_path() -> Path:
    """The catalog file inside the installed package."""
    return Path(str(importlib.resources.files("charrnn_lib.datasets") / "catalog.json"))


@dataclasses.dataclass(frozen=True)
class Catalog:
    """All corpora, read from the package's `catalog.json`."""

    corpora: dict[str, Corpus]

    @classmethod
    def read(cls, path: str | os.PathLike | None = None) -> Catalog:
        """Parse the catalog, refusing unknown fields and source kinds."""
        path = Path(path) if path is not None else catalog_path()
        payload, _ = CATALOG_JSON.read(path)
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


def _parse_corpus(name: str, entry: dict[str, Any], path: Path) -> Corpus:
    try:
        sources = tuple(_parse_source(source) for source in entry["sources"])
        prepared = Prepared(**entry["prepared"]) if entry["prepared"] else None
        fields = {key: value for key, value in entry.items() if key not in ("sources", "prepared")}
        return Corpus(name=name, **fields, prepared=prepared, sources=sources)
    except (KeyError, TypeError) as error:
        raise DatasetError(
            f"Catalog {path}: entry {name!r} is malformed ({error}).",
            f"语料目录 {path} 中的条目 {name!r} 格式错误（{error}）。",
        ) from None


def _parse_source(entry: dict[str, Any]) -> Source:
    fields = dict(entry)
    kind = fields.pop("kind")
    if kind not in SOURCE_TYPES:
        raise KeyError(f"source kind {kind!r}; known kinds: {', '.join(SOURCE_TYPES)}")
    return SOURCE_TYPES[kind](**fields)
