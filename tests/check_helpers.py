"""Helpers shared by the checker tests (tests/ is on sys.path under pytest's default import mode)."""

from charrnn_lib.checks.core import Status


def stub(*args):
    """A learner's untouched exercise: the generated stub only raises NotImplementedError."""
    raise NotImplementedError()


def only_line(capsys) -> str:
    """The one line a check printed; fails when it printed more or fewer lines."""
    output = capsys.readouterr().out
    assert output.count("\n") == 1 and output.endswith("\n"), output
    return output.rstrip("\n")


def failure_line(result, capsys) -> str:
    """The one line a failed check printed, after asserting it failed and the line says so (✗)."""
    line = only_line(capsys)
    assert result.status is Status.FAIL and line.startswith("✗ "), line
    return line
