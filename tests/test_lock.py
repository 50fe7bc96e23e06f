"""One process per run folder: a second holder is refused at once; a killed holder's lock is taken over."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys

import pytest

from charrnn_lib.errors import RunFolderBusyError
from charrnn_lib.lock import LOCK_FILE, hold_run_folder

HOLDER = """
import sys, time
from charrnn_lib.lock import hold_run_folder
with hold_run_folder(sys.argv[1]):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path):
    """Another process holding `tmp_path / "run"`, stopped with SIGKILL by the test or at teardown."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "run")], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()


def test_a_second_process_is_refused_at_once_naming_the_holder(tmp_path, holder):
    with pytest.raises(RunFolderBusyError, match=f"pid {holder.pid}") as caught:
        with hold_run_folder(tmp_path / "run"):
            pytest.fail("the lock was granted twice")
    assert "--name" in caught.value.english and "--name" in caught.value.chinese


def test_a_killed_holders_lock_is_taken_over(tmp_path, holder, caplog):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with caplog.at_level(logging.INFO, logger="charrnn"), hold_run_folder(tmp_path / "run"):
        assert f"pid {holder.pid}" in caplog.text  # it noticed the stale lock and took it over
    assert (tmp_path / "run" / LOCK_FILE).read_text() == ""  # released cleanly this time


def test_the_lock_is_released_when_the_block_ends_even_on_error(tmp_path):
    with pytest.raises(KeyboardInterrupt), hold_run_folder(tmp_path):
        raise KeyboardInterrupt
    with hold_run_folder(tmp_path):
        pass
