"""Atomic writes: the new file replaces the old only when complete, and reads like a file written in place."""

from __future__ import annotations

import stat

import pytest

from charrnn_lib.atomic import atomic_path, write_text_atomic


def test_a_new_file_is_readable_by_others_as_an_ordinary_file_is(tmp_path):
    write_text_atomic(tmp_path / "config.json", "{}")
    assert stat.S_IMODE((tmp_path / "config.json").stat().st_mode) == 0o644  # not mkstemp's private 0600


def test_replacing_a_file_keeps_its_mode(tmp_path):
    target = tmp_path / "history.json"
    target.write_text("old")
    target.chmod(0o600)
    write_text_atomic(target, "new")
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "weights.keras"
    target.write_text("good")
    with pytest.raises(RuntimeError), atomic_path(target, suffix=".keras") as temporary:
        temporary.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "good" and [path.name for path in tmp_path.iterdir()] == ["weights.keras"]
