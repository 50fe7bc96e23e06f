"""The library's own JSON files (settings, vocabulary, catalog): one reader and writer for `{"format", "version", …}`.

Each file names its format and version, so a reader refuses a stranger (a pickle, another program's JSON) with a
message that says what to do, and still reads every version the library has written before.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from charrnn_lib.atomic import write_text_atomic
from charrnn_lib.errors import CharRNNError


@dataclasses.dataclass(frozen=True)
class VersionedJson:
    """One kind of file: its format tag, the versions read (the last is written), its error, and what to say."""

    format: str
    versions: tuple[int, ...]
    error: type[CharRNNError]
    what: tuple[str, str]  # what the file is: ("vocabulary file", "词表文件")
    fix: tuple[str, str]  # what to do when it is missing or unreadable

    def read(self, path: str | os.PathLike) -> tuple[dict[str, Any], int]:
        """The file's fields (without `format` and `version`) and its version; anything else raises `error`."""
        path = Path(path)
        (what, what_zh), (fix, fix_zh) = self.what, self.fix
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise self.error(f"No {what} at {path}; {fix}.", f"在 {path} 找不到{what_zh}；{fix_zh}。") from None
        except IsADirectoryError:
            raise self.error(f"{path} is a folder, not a {what}; {fix}.",
                             f"{path} 是文件夹，不是{what_zh}；{fix_zh}。") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise self.error(f"{path} is not valid JSON ({error}); {fix}.",
                             f"{path} 不是有效的 JSON（{error}）；{fix_zh}。") from None
        if not isinstance(payload, dict) or payload.get("format") != self.format \
                or payload.get("version", self.versions[0]) not in self.versions:
            shown = "/".join(map(str, self.versions))
            raise self.error(f"{path} is not a charrnn {what} of version {shown}; {fix}.",
                             f"{path} 不是第 {shown} 版的 charrnn {what_zh}；{fix_zh}。")
        version = payload.get("version", self.versions[0])
        return {key: value for key, value in payload.items() if key not in ("format", "version")}, version

    def write(self, path: str | os.PathLike, fields: dict[str, Any], *, indent: int = 2) -> None:
        """Write `fields` under the format tag and the newest version, as UTF-8 JSON, atomically."""
        payload = {"format": self.format, "version": self.versions[-1], **fields}
        write_text_atomic(path, json.dumps(payload, ensure_ascii=False, indent=indent) + "\n")
