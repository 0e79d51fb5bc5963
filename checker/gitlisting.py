"""What git says of the files of a work tree: its index, the files changed since, and the untracked
files it does not ignore.

Git's three listings each read the whole work tree. They run at once, as separate processes that
write to temporary files rather than pipes, so that a caller can start them early (a GitListing
is begun when made) and read the documents while git walks the tree.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO

from checker.errors import FatalError

_COMMANDS = (
    ("ls-files", "--stage"),
    ("diff-files", "--name-only"),
    ("ls-files", "--others", "--exclude-standard"),
)


@dataclass(frozen=True)
class Listed:
    """The files of a work tree below some paths: git's index (mode and blob id by path), the paths
    whose working copy differs from the index, and the untracked files that are not ignored."""

    tracked: Mapping[str, tuple[str, str]]
    modified: frozenset[str]
    untracked: tuple[str, ...]


class GitListing:
    """Git's listings of the files under pathspecs (paths from top, with /), begun and not yet read."""

    def __init__(self, top: str, pathspecs: list[str]) -> None:
        self.top = top
        self.pathspecs = list(pathspecs)
        self._running: list[tuple[str, subprocess.Popen[bytes], IO[bytes], IO[bytes]]] = []
        self._listed: Listed | None = None
        # The temporary files live until the listing is read or closed.
        self._files = contextlib.ExitStack()
        try:
            for args in _COMMANDS:
                out = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
                err = self._files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
                command = ["git", "--literal-pathspecs", "-C", top, *args, "-z", "--", *pathspecs]
                self._running.append((args[0], subprocess.Popen(command, stdout=out, stderr=err), out, err))
        except OSError as exc:
            self.close()
            raise FatalError(f"git {_COMMANDS[0][0]} failed: {exc}", top) from None

    def result(self) -> Listed:
        """What git said, once it has finished; a git that failed stops the run with its reason."""
        if self._listed is None:
            try:
                self._listed = _parsed([self._output(*entry) for entry in self._running])
            finally:
                self.close()
        return self._listed

    def _output(
        self, verb: str, process: subprocess.Popen[bytes], out: IO[bytes], err: IO[bytes]
    ) -> list[str]:
        if process.wait() != 0:
            err.seek(0)
            said = err.read().decode("utf-8", "replace").strip().splitlines()[-1:]
            raise FatalError(f"git {verb} failed: {(said or [f'exit {process.returncode}'])[0]}", self.top)
        out.seek(0)
        return [p for p in out.read().decode("utf-8", "surrogateescape").split("\0") if p]

    def close(self) -> None:
        """Stop whatever is still running and let go of its files."""
        for _, process, _, _ in self._running:
            if process.poll() is None:
                process.kill()
                process.wait()
        self._files.close()
        self._running = []


def _parsed(outputs: list[list[str]]) -> Listed:
    staged, modified, untracked = outputs
    tracked = {}
    # Each entry is "<mode> <blob> <stage>\t<path>"; a conflicted path is listed once per stage.
    for entry in staged:
        meta, _, path = entry.partition("\t")
        mode, blob, _ = meta.split(" ", 2)
        tracked[path] = (mode, blob)
    return Listed(tracked, frozenset(modified), tuple(untracked))


def listed_files(top: str, pathspecs: list[str]) -> Listed:
    """What git knows of the files under pathspecs (paths from top, with /), asked of git directly."""
    return GitListing(top, pathspecs).result()
