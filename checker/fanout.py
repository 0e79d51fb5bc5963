"""The same work on many items at once, on the machine's other cores, answered in the items' order.

A run without a cache parses every file of the repository, and that one step is most of its time;
spread over the cores a CI machine has, it costs a fraction. Each extra process is a fork of this
one, so it has everything already loaded and reads nothing it is not given. The items are cut
into runs of a few dozen, which every process (this one too) takes one at a time from a pipe
until none is left: a process slowed by other work, or this one busy with a task of its own first
(see Task), takes fewer, and all finish together. Each leaves its answers, pickled, in a file in
memory of its own: they come from this very program, never from a file of the repository or
anything it holds. A process that fails in any way (an error, a signal, answers cut short or for
runs it never took) leaves nothing that is used: everything is then worked here, in order, so the
answers, and any error, are those of working alone.

Only where fork is what it is on Linux; elsewhere the work is done here, one item after another.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")
Result = TypeVar("Result")

# Below this many items a share costs less than starting a process for it (the default: files
# to parse, a few tenths of a millisecond each).
MIN_SHARE = 256
MAX_WORKERS = 8
# A run of items is taken at a time: enough of them that taking one costs nothing beside working
# it, few enough that the last one taken ends soon after the others. At most so many runs: the
# pipe they are taken from holds them all at once, even when the kernel gives it a single page.
_MOST_A_RUN = 64
_MOST_RUNS = 1024
_RUN_NUMBER = 2  # bytes
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


class Task(Generic[Result]):
    """Work of this process's own, done while the others work their items (see fan_out).

    Done once: by the first fan_out it is given to, or by result() if none ran it. An error it
    raises is raised where it is done.
    """

    def __init__(self, work: Callable[[], Result]) -> None:
        self._work: Callable[[], Result] | None = work
        self._result: Result | None = None

    def run(self) -> None:
        if self._work is not None:
            work, self._work = self._work, None
            self._result = work()

    def result(self) -> Result:
        self.run()
        return self._result  # type: ignore[return-value]


def fan_out(
    work: Callable[[Item], Answer], items: Sequence[Item], workers: int, meanwhile: Task[Any] | None = None
) -> list[Answer]:
    """work(item) for each of items, in their order, over up to workers processes (this one too).

    With meanwhile, this process does that first, while the others start on the items. Should
    anything fail in the work, in a process or here, everything is worked again here, in order:
    the answers, or the first error, are then exactly those of working alone.
    """
    if workers > 1 and len(items) > 1 and _FORKS:
        workers = min(workers, len(items))
        size = max(-(-len(items) // _MOST_RUNS), min(_MOST_A_RUN, -(-len(items) // (workers * 16))))
        runs = [items[start : start + size] for start in range(0, len(items), size)]
        answers = _spread(work, runs, workers - 1, meanwhile)
        if answers is not None:
            return [answer for run in answers for answer in run]
    if meanwhile is not None:
        meanwhile.run()  # unless it ran while the work was spread
    return [work(item) for item in items]


def _spread(
    work: Callable[[Item], Answer], runs: list[Sequence[Item]], others: int, meanwhile: Task[Any] | None
) -> list[list[Answer]] | None:
    """The answers of each run, worked here and in others processes of their own; None if any failed."""
    # The processes whose answers are not all collected yet.
    children: list[_Child] = []
    taken = _queue(len(runs))
    if taken is None:
        return None
    try:
        try:
            for _ in range(others):
                child = _start(work, runs, taken, [c.fd for c in children])
                if child is not None:
                    children.append(child)
        except Exception:
            return None
        if meanwhile is not None:
            meanwhile.run()  # outside the net below: its error is the run's, not the work's
        answers: dict[int, list[Answer]] = {}
        try:
            for number in _taken(taken, len(runs)):
                answers[number] = [work(item) for item in runs[number]]
                # What the others have answered so far is read between runs, not all at the end.
                if not all(child.answered(runs, answers) for child in children):
                    return None
            while children:
                if not children[-1].collected(runs, answers):
                    return None
                children.pop()
        except Exception:  # worked again, alone, to give the error working alone gives
            return None
        return [answers[number] for number in range(len(runs))] if len(answers) == len(runs) else None
    finally:
        os.close(taken)
        for child in children:
            child.stop()


def _queue(runs: int) -> int | None:
    """A pipe holding the number of each run, to be taken one at a time: its reading end, or None
    if it cannot hold them all."""
    read, write = os.pipe()
    numbers = b"".join(n.to_bytes(_RUN_NUMBER, "little") for n in range(runs))
    try:
        # Never waiting on a pipe smaller than usual (as the kernel gives once a user has many).
        os.set_blocking(write, False)
        if os.write(write, numbers) == len(numbers):
            return read
    except OSError:
        pass
    finally:
        os.close(write)
    os.close(read)
    return None


def _taken(queue: int, runs: int) -> Iterator[int]:
    """The numbers of the runs this process takes from queue, until it is empty.

    Every number was written before anyone read, and a read of a pipe is whole: each read gives
    one number, which no other process gets.
    """
    while len(number := os.read(queue, _RUN_NUMBER)) == _RUN_NUMBER:
        found = int.from_bytes(number, "little")
        if found >= runs:
            raise ValueError("a run that does not exist")
        yield found


def _start(
    work: Callable[[Item], Answer], runs: list[Sequence[Item]], queue: int, others: list[int]
) -> _Child | None:
    """A process working the runs it takes from queue; None if none starts."""
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
            # Each run's answers as soon as they are worked, whole, after their length.
            for number in _taken(queue, len(runs)):
                answer = pickle.dumps(
                    (number, [work(item) for item in runs[number]]), pickle.HIGHEST_PROTOCOL
                )
                record = memoryview(len(answer).to_bytes(_LENGTH, "little") + answer)
                while record:
                    record = record[os.write(fd, record) :]
            code = 0
        finally:
            # Straight out: no exit handlers, no flushing of what the parent had buffered.
            os._exit(code)
    return _Child(pid, fd)


_LENGTH = 8  # bytes before each run's answers in a process's file


class _Child:
    """A process working runs, the file in memory it leaves its answers in, and how far it is read."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd, self.read = pid, fd, 0

    def answered(self, runs: list[Sequence[Item]], answers: dict[int, list[Answer]]) -> bool:
        """Add the answers of the runs the process has left whole so far; False if one is not
        answers to a run it took (none twice, each in full)."""
        end = os.fstat(self.fd).st_size
        while self.read + _LENGTH <= end:
            size = int.from_bytes(os.pread(self.fd, _LENGTH, self.read), "little")
            if self.read + _LENGTH + size > end:
                break  # still being written
            number, answered = pickle.loads(os.pread(self.fd, size, self.read + _LENGTH))
            if type(number) is not int or number in answers or not 0 <= number < len(runs):
                return False
            if type(answered) is not list or len(answered) != len(runs[number]):
                return False
            answers[number] = answered
            self.read += _LENGTH + size
        return True

    def collected(self, runs: list[Sequence[Item]], answers: dict[int, list[Answer]]) -> bool:
        """Wait for the process and add the rest of its answers; False unless it finished cleanly
        and left nothing but whole answers."""
        try:
            _, status = os.waitpid(self.pid, 0)
        except BaseException:  # interrupted: the process is ended, not left behind
            self.stop()
            raise
        self.pid = 0
        try:
            if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
                return False
            return self.answered(runs, answers) and self.read == os.fstat(self.fd).st_size
        finally:
            os.close(self.fd)
            self.fd = -1

    def stop(self) -> None:
        """End a process whose answers are no longer wanted (this one is failing or interrupted)."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self.pid, 0)
            self.pid = 0
