"""Waiting in tests: poll a condition until a deadline, and hang guards for work that might never end.

A limit here is a hang guard, never a speed claim: it turns "never finishes" into a failure, and is set
far above what the work takes on a slow, busy machine. Nothing in the tests asserts how long anything took.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")

HELD_GIL_GRACE_S = 30  # past a ``returns_within`` limit, before a hang that holds the GIL ends the process


def wait_until(condition: Callable[[], T], timeout: float = 30.0, interval: float = 0.05) -> T:
    """Call ``condition`` every ``interval`` seconds until it returns something truthy, or ``timeout`` passes.

    Returns the last value ``condition`` returned: truthy when it came true in time, falsy on timeout,
    so callers write ``assert wait_until(...)`` or use the value found (a row count, a file).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def finishes(work: Callable[[], object], limit: float, what: str = "the work") -> None:
    """Run ``work`` in a forked child process; fail if it raises, or kill it and fail if it runs past ``limit`` seconds.

    A forked child starts with everything imported (a fresh interpreter spends seconds importing
    llama-index). Only for work that touches no database or server connection: those must not cross a fork.
    """
    child = multiprocessing.get_context("fork").Process(target=_traced, args=(work, limit))
    # Garbage this process has not collected yet (say, a failed test's objects) must not be collected in
    # the child: finalizers of database clients there wait on locks held by threads that did not fork.
    gc.freeze()
    try:
        child.start()
    finally:
        gc.unfreeze()
    child.join(limit)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"{what} was still running after {limit:.0f} s: a hang, or quadratic time again?")
    assert child.exitcode == 0, f"{what} raised in the child process (its traceback is in the captured stderr)"


def _traced(work: Callable[[], object], limit: float) -> None:
    # A child still running near the limit prints every thread's stack to stderr: where it hangs, or loops.
    faulthandler.dump_traceback_later(max(1.0, limit - 3), exit=False)
    work()


def returns_within(work: Callable[[], T], limit: float, what: str = "the work") -> T:
    """Run ``work`` in a daemon thread and return its result; fail if it has not returned after ``limit`` seconds.

    For work that must stay in this process (it uses the index's open connections, so no fork): a thread
    cannot be killed, but a hang fails the test instead of stalling the whole run. A hang that holds the GIL (a call
    into a native library that never returns, as Chroma's client after a failed write was) would keep this thread from
    ever timing out: a watchdog then prints every thread's stack and ends the process ``HELD_GIL_GRACE_S`` later, which
    fails the test (pytest-xdist reports its worker crashed and starts another) instead of stalling the run.
    """
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    faulthandler.dump_traceback_later(limit + HELD_GIL_GRACE_S, exit=True)
    try:
        worker.join(limit)
    finally:
        faulthandler.cancel_dump_traceback_later()
    if worker.is_alive():
        pytest.fail(f"{what} had not returned after {limit:.0f} s: it hangs", pytrace=False)
    if errors:
        raise errors[0]
    return results[0]


def waiting_on_lock(pid: int, lock: Path) -> bool:
    """Whether process ``pid`` (or a thread of it) is queued in the kernel for the flock on ``lock`` (Linux /proc/locks)."""
    inode = f":{lock.stat().st_ino} "
    with open("/proc/locks", encoding="ascii") as locks:
        return any("->" in line and f" {pid} " in line and inode in line for line in locks)
