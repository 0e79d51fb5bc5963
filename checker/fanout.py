"""The same work on many items at once, on the machine's other cores, answered in the items' order.

A run without a cache parses every file of the repository, and that one step is most of its time;
spread over the cores a CI machine has, it costs a fraction. Each extra process is a fork of this
one, so it has everything already loaded and reads nothing it is not given. It leaves its answers,
pickled, in a file in memory of its own: they come from this very program, never from a file of
the repository or anything it holds. A process that fails in any way (an error, a signal, answers
cut short) leaves nothing that is used: everything is then worked here, in order, so the answers,
and any error, are those of working alone.

Only where fork is what it is on Linux; elsewhere the work is done here, one item after another.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")

# Below this many items a share costs less than starting a process for it (the default: files
# to parse, a few tenths of a millisecond each).
MIN_SHARE = 256
MAX_WORKERS = 8
_FORKS = sys.platform.startswith("linux") and hasattr(os, "fork") and hasattr(os, "memfd_create")


def workers_for(items: int, share: int = MIN_SHARE) -> int:
    """How many processes to spread items over: one per core this process may run on, each with at
    least share items.

    Cores that other work keeps busy are used too: the scheduler gives each process its share, so
    another one still shortens the run. The load average would be no guide: it is the last
    minute's, and counts the run that just finished (a previous check, an install) as if it were
    still going.
    """
    if not _FORKS:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), MAX_WORKERS, items // share))


def fan_out(work: Callable[[Item], Answer], items: Sequence[Item], workers: int) -> list[Answer]:
    """work(item) for each of items, in their order, over up to workers processes (this one too).

    Should anything fail, in a process or here, everything is worked again here, in order: the
    answers, or the first error, are then exactly those of working alone.
    """
    if workers <= 1 or len(items) < 2 or not _FORKS:
        return [work(item) for item in items]
    workers = min(workers, len(items))
    # Every workers-th item, so that each share has its part of the large and the small files.
    shares = [items[k::workers] for k in range(workers)]
    answers = _spread(work, shares)
    if answers is None:
        return [work(item) for item in items]
    out: list[Answer] = [None] * len(items)  # type: ignore[list-item]
    for k, share_answers in enumerate(answers):
        out[k::workers] = share_answers
    return out


def _spread(work: Callable[[Item], Answer], shares: list[Sequence[Item]]) -> list[list[Answer]] | None:
    """The answers of each share, the first worked here and the others each in a process of its own.

    None when any of them failed.
    """
    # Each process and the file it leaves its answers in, until they are collected.
    children: list[tuple[int, int] | None] = []
    try:
        for share in shares[1:]:
            children.append(_start(work, share, [child[1] for child in children if child is not None]))
        answers = [[work(item) for item in shares[0]]]
        for k, child in enumerate(children):
            if child is None:
                return None
            children[k] = None  # collecting waits for it, whatever happens
            got: list[Answer] | None = _collect(*child, len(shares[k + 1]))
            if got is None:
                return None
            answers.append(got)
        return answers
    except Exception:  # worked again, alone, to give the error working alone gives
        return None
    finally:
        for child in children:
            if child is not None:
                _stop(*child)


def _start(
    work: Callable[[Item], Answer], share: Sequence[Item], others: list[int]
) -> tuple[int, int] | None:
    """A process working share and the file its answers are left in; None if none starts."""
    # What this process has buffered must not be written a second time by the copy.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # none, closed, or a broken pipe
            stream.flush()
    # A file in memory rather than a pipe: the process never waits for this one to read.
    try:
        fd = os.memfd_create("charter-answers", os.MFD_CLOEXEC)
    except OSError:  # too many open files: the work is done here
        return None
    try:
        pid = os.fork()
    except OSError:  # too many processes, or too little memory: likewise
        os.close(fd)
        return None
    if pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        code = 1
        try:
            for other in others:
                os.close(other)
            answers = [work(item) for item in share]
            with open(fd, "wb") as out:
                pickle.dump(answers, out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            # Straight out: no exit handlers, no flushing of what the parent had buffered.
            os._exit(code)
    return pid, fd


def _collect(pid: int, fd: int, count: int) -> list[Answer] | None:
    """The answers the process pid left, or None unless it finished cleanly with one for each item."""
    with open(fd, "rb") as handle:
        try:
            _, status = os.waitpid(pid, 0)
        except BaseException:  # interrupted: the process is ended, not left behind
            _stop(pid, None)
            raise
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            handle.seek(0)
            answers = pickle.load(handle)
            if handle.read(1):
                return None  # more than its answers
        except Exception:  # cut short: nothing of it is used
            return None
    return answers if type(answers) is list and len(answers) == count else None


def _stop(pid: int, fd: int | None) -> None:
    """End a process whose answers are no longer wanted (this one is failing or interrupted)."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)
