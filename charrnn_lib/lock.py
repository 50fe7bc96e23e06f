"""One process per run folder: training holds an exclusive lock on `<run folder>/.lock` while it writes there.

The lock belongs to the open file, so the operating system releases it when the process ends, however it
ends: a lock left by a killed process is simply taken over by the next run.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from charrnn_lib.errors import RunFolderBusyError

LOCK_FILE = ".lock"
logger = logging.getLogger("charrnn")


@contextlib.contextmanager
def hold_run_folder(run_dir: str | os.PathLike) -> Iterator[None]:
    """Hold the run folder for this process; raise RunFolderBusyError at once if another process holds it."""
    path = Path(run_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        if not _try_lock(handle):
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunFolderBusyError(
                f"{path.parent} is in use by another training process ({holder}); wait for it to finish, "
                "or train under another --name.",
                f"{path.parent} 正被另一个训练进程使用（{holder}）；请等它结束，或换一个 --name 训练。",
            )
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            logger.info("Taking over %s from a process that ended without releasing it (%s).", path, previous)
        handle.seek(0)
        handle.truncate()
        started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {started}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()  # an empty lock file means "released cleanly"
            handle.flush()
            _unlock(handle)


if os.name == "nt":
    import msvcrt

    def _try_lock(handle: IO[str]) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
