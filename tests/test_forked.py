"""refmetiers.forked: one call in a forked child, its value or its exception back in the caller."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from refmetiers.errors import BuildError, SourceError
from refmetiers.forked import Forked, can_fork

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork here (other threads run, or no fork on this system)")


class Unrebuildable(Exception):
    def __init__(self, first, second):  # pickle rebuilds an exception from args: these two are lost
        super().__init__(f"{first} and {second}")


def raise_unrebuildable():
    raise Unrebuildable("one", "two")


def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def fail_with_a_source_error():
    raise SourceError("data/jobs/x.ttl", "Turtle syntax error", 3, 7)


@needs_fork
def test_the_call_runs_in_another_process_and_its_value_comes_back():
    call = Forked(lambda x: (os.getpid(), x * 2), 21)
    assert call.forked
    pid, value = call.result()
    assert value == 42 and pid != os.getpid()


@needs_fork
def test_the_exception_of_the_call_is_raised_in_the_caller_with_its_class_and_fields():
    with pytest.raises(SourceError) as raised:
        Forked(fail_with_a_source_error).result()
    assert raised.value.line == 3 and "data/jobs/x.ttl" in str(raised.value)


@needs_fork
def test_an_exception_pickle_cannot_rebuild_comes_back_as_its_text():
    with pytest.raises(BuildError, match="Unrebuildable: one and two"):
        Forked(raise_unrebuildable).result()


@needs_fork
def test_a_child_killed_from_outside_is_a_build_error_naming_its_exit():
    with pytest.raises(BuildError, match=r"ended without an answer \(exit code -9\)"):
        Forked(kill_self).result()


@needs_fork
def test_cancel_stops_a_running_child():
    call = Forked(threading.Event().wait, 600)
    call.cancel()
    assert call._process is not None and not call._process.is_alive()


def test_with_another_thread_running_the_call_runs_here_when_its_result_is_asked():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        call = Forked(os.getpid)
        assert not call.forked
        assert call.result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_what_the_caller_printed_before_is_not_printed_again_by_the_child():
    """A caller whose output is a pipe or a file (block-buffered) forks with text still in its buffer."""
    import subprocess
    import sys

    script = ("import os\nfrom refmetiers.forked import Forked\n"
              "print('before the fork')\nprint(Forked(os.getpid).result() != os.getpid())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["before the fork", "True"]
