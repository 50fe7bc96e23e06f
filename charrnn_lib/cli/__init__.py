"""The `charrnn` command: `main` parses the flags and runs one subcommand (`train`, `sample`, `poem`, `data`)."""

from charrnn_lib.cli.main import EXIT_INTERRUPTED, EXIT_USER_ERROR, build_parser, main

__all__ = ["EXIT_INTERRUPTED", "EXIT_USER_ERROR", "build_parser", "main"]
