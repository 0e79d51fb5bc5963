"""Work spread over processes: the answers of working alone, in order, whatever a process does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from checker import fanout
from checker.fanout import Task, fan_out

pytestmark = pytest.mark.skipif(not fanout._FORKS, reason="work is spread over processes on Linux only")

ITEMS = list(range(40))


def square_where(item: int) -> tuple[int, int]:
    """The item squared, and the process that worked it."""
    return item * item, os.getpid()


def slow_square_where(item: int) -> tuple[int, int]:
    """square_where, slow enough that every process takes part of the items."""
    time.sleep(0.01)
    return square_where(item)


def test_answers_come_in_the_items_order_from_several_processes() -> None:
    answers = fan_out(slow_square_where, ITEMS, 3)
    assert [square for square, _ in answers] == [item * item for item in ITEMS]
    # Items are taken a few at a time by whichever process is free: this one and two of their own.
    workers = {pid for _, pid in answers}
    assert len(workers) == 3 and os.getpid() in workers


def test_a_task_of_this_process_is_done_first_while_the_others_work() -> None:
    done: list[int] = []

    def task() -> str:
        done.append(os.getpid())
        time.sleep(1)
        return "done"

    meanwhile = Task(task)
    answers = fan_out(slow_square_where, ITEMS, 3, meanwhile)
    assert [square for square, _ in answers] == [item * item for item in ITEMS]
    # Busy with its task, this process left every item to the others.
    assert os.getpid() not in {pid for _, pid in answers}
    assert (done, meanwhile.result(), done) == ([os.getpid()], "done", [os.getpid()])


def test_a_task_is_done_once_however_the_items_are_worked() -> None:
    done: list[int] = []
    alone, unused = Task(lambda: done.append(1)), Task(lambda: done.append(2))
    assert fan_out(square_where, ITEMS, 1, alone) == [(item * item, os.getpid()) for item in ITEMS]
    alone.result()
    unused.result()
    unused.result()
    assert done == [1, 2]


def test_an_error_of_the_task_is_raised_and_no_process_is_left_behind(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def work(item: int) -> int:
        with started.open("a") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(0.01)
        return item

    def task() -> None:
        time.sleep(0.1)
        raise RuntimeError("the task failed")

    with pytest.raises(RuntimeError, match=r"^the task failed$"):
        fan_out(work, ITEMS, 3, Task(task))
    pids = {int(line) for line in started.read_text().split()}
    assert os.getpid() not in pids and pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_one_worker_or_one_item_is_worked_here() -> None:
    assert fan_out(square_where, ITEMS, 1) == [(item * item, os.getpid()) for item in ITEMS]
    assert fan_out(square_where, [7], 4) == [(49, os.getpid())]
    assert fan_out(square_where, [], 4) == []


def test_workers_are_one_per_core_with_a_share_worth_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert fanout.workers_for(fanout.MIN_SHARE - 1) == 1
    assert fanout.workers_for(2 * fanout.MIN_SHARE) == 2
    assert fanout.workers_for(100 * fanout.MIN_SHARE) == 4
    assert fanout.workers_for(100 * 10, share=500) == 2
    # A busy machine still gets one per core: a load average left by earlier work says nothing.
    monkeypatch.setattr(os, "getloadavg", lambda: (7.9, 7.9, 7.9))
    assert fanout.workers_for(100 * fanout.MIN_SHARE) == 4
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3})
    assert fanout.workers_for(100 * fanout.MIN_SHARE) == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert fanout.workers_for(100 * fanout.MIN_SHARE) == fanout.MAX_WORKERS


def failing_elsewhere(parent: int, how: str) -> Callable[[int], tuple[int, int]]:
    def work(item: int) -> tuple[int, int]:
        if os.getpid() == parent:
            time.sleep(0.005)  # the other processes surely take some of the items
        else:
            if how == "error":
                raise ValueError("only in another process")
            if how == "signal":
                os.kill(os.getpid(), signal.SIGKILL)
            if how == "exit":
                os._exit(0)  # no answers left at all
            if how == "unpicklable":
                return (lambda: item, 0)  # type: ignore[return-value]
        return square_where(item)

    return work


@pytest.mark.parametrize("how", ["error", "signal", "exit", "unpicklable"])
def test_a_process_that_fails_leaves_nothing_used_and_all_is_worked_here(how: str) -> None:
    work = failing_elsewhere(os.getpid(), how)
    assert fan_out(work, ITEMS, 3) == [(item * item, os.getpid()) for item in ITEMS]


def test_an_error_is_the_first_that_working_alone_gives(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def work(item: int) -> int:
        if os.getpid() != parent:
            with started.open("a") as out:
                out.write(f"{os.getpid()}\n")
        if item in (5, 12):
            raise ValueError(f"item {item}")
        return item

    parent = os.getpid()
    # Whichever process meets item 12 or item 5 first, working alone meets 5 first.
    with pytest.raises(ValueError, match=r"^item 5$"):
        fan_out(work, ITEMS, 3)
    # No process is left behind: each was waited for.
    for pid in {int(line) for line in (started.read_text() if started.exists() else "").split()}:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_what_this_process_has_buffered_is_written_once(tmp_path: Path) -> None:
    # Written to a pipe, print buffers: a copy of this process that flushed it would write it again.
    script = (
        "from checker.fanout import fan_out\n"
        "print('before the work')\n"
        "print(sum(fan_out(abs, list(range(-50, 50)), 3)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path, timeout=120
    )
    assert done.stdout == "before the work\n2500\n"
