"""Errors the user can fix, each mapped to an exit code in one place (cli.main)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
# A run interrupted with Ctrl-C, as shells report a process that SIGINT ended.
EXIT_INTERRUPTED = 130


class FatalError(Exception):
    """A problem that stops the run with exit 2: usage, configuration or policy."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def __str__(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}: {self.message}"
        if self.file:
            return f"{self.file}: {self.message}"
        return self.message
