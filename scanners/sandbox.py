"""Run one function over untrusted input in a child process, within CPU, memory and time limits.

feedparser is a large pure-Python parser, and some documents cost it far more than their size
suggests (an element with 20,000 attributes takes it 9 s; one with a million, hours). The
scanner cuts documents before feedparser sees them (see bound.py), but no check made before
parsing can promise to have found every such shape, so the parse itself runs in a child:
RLIMIT_CPU stops it after its CPU seconds, RLIMIT_AS refuses memory beyond its cap, a timer
stops it at its wall-clock timeout, and the caller stops waiting then too. Whatever memory a
parse used goes back to the system when its child exits, so a long-running worker stays small.

Children fork from a helper process started once per calling process, with the scanners
imported: each costs milliseconds, not an interpreter start, and forking from a helper that
runs no threads is safe where forking a threaded web server is not. (multiprocessing's own fork
server would re-import the caller's main script in every child, which a script is not always
written for.) The function, its arguments and its result travel by pickle, so the function
must be importable by name.
"""

import atexit
import os
import pickle
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_HELPER_CODE = (
    "import sys; sys.path[:] = sys.argv[2:]; "
    "from scanners.sandbox import serve; serve(int(sys.argv[1]))"
)
_FRAME = struct.Struct("!Q")


@dataclass(frozen=True)
class ParseLimits:
    """What one parse may use: CPU seconds, bytes of address space, seconds of waiting."""

    cpu_seconds: int = 5
    memory_bytes: int = 512 * 1024 * 1024
    timeout: float = 20.0


class LimitExceeded(Exception):
    """The child ran out of time ("time") or memory ("memory"), was stopped ("stopped": killed
    at its hard CPU limit, or it crashed), or its function raised ("error": `detail` names the
    exception)."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind, detail)
        self.kind, self.detail = kind, detail


class _OutOfTime(BaseException):  # not an Exception: a parser's `except Exception` lets it by
    pass


def _send(sock: socket.socket, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_FRAME.pack(len(data)) + data)


def _receive_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    chunks, left = [], size
    while left:
        if deadline is not None:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _receive(sock: socket.socket, deadline: float | None = None) -> Any:
    (size,) = _FRAME.unpack(_receive_exactly(sock, _FRAME.size, deadline))
    return pickle.loads(_receive_exactly(sock, size, deadline))


def _lower(which: int, soft: int, hard: int) -> None:
    _soft, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _out_of_time(_signum, _frame) -> None:
    raise _OutOfTime


def _child(task: socket.socket) -> None:
    """Run one task in a freshly forked child (runs in the helper's child)."""
    function, args, limits = _receive(task)
    _lower(resource.RLIMIT_CORE, 0, 0)  # a child killed at its hard limit leaves no core file
    _lower(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1)
    _lower(resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes)
    signal.signal(signal.SIGXCPU, _out_of_time)
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.setitimer(signal.ITIMER_REAL, limits.timeout)
    try:
        outcome = ("ok", function(*args))
    except _OutOfTime:
        outcome = ("time", "")
    except MemoryError:
        outcome = ("memory", "")
    except Exception as error:  # reported to the caller as a kind, never raised across
        outcome = ("error", type(error).__name__)
    signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        _send(task, outcome)
    except MemoryError:
        _send(task, ("memory", ""))
    except Exception as error:  # a result that cannot be pickled
        _send(task, ("error", type(error).__name__))


def serve(control_fd: int) -> None:
    """The helper's loop: fork a child for each socket the caller sends, until it goes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            _message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not fds:
            return  # the caller has exited
        if os.fork() == 0:
            status = 1
            try:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _child(socket.socket(fileno=fds[0]))
                status = 0
            finally:
                os._exit(status)
        os.close(fds[0])


class _Helper:
    """The helper process, as seen from the process that started it."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HELPER_CODE, str(theirs.fileno()), *sys.path],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.control, self.owner = ours, os.getpid()

    def usable(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def fork(self, task: socket.socket) -> None:
        socket.send_fds(self.control, [b"f"], [task.fileno()])

    def close(self) -> None:
        self.control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_lock = threading.Lock()
_helpers: list[_Helper] = []  # the current helper, when one has started


def _fork(task: socket.socket) -> None:
    with _lock:
        for attempt in (1, 2):
            if not (_helpers and _helpers[-1].usable()):
                _helpers[:] = [_Helper()]
            try:
                _helpers[-1].fork(task)
                return
            except OSError:
                if attempt == 2:
                    raise
                _helpers.clear()  # it died since it was last used: start another


@atexit.register
def _stop_helper() -> None:
    with _lock:
        for helper in _helpers:
            if helper.owner == os.getpid():
                helper.close()
        _helpers.clear()


def with_usage(function: Callable[..., Any], *args: Any) -> tuple[Any, int, float]:
    """Return `function(*args)`, then this process's peak RSS in bytes and CPU seconds: run
    through `run_limited`, what the child used (benches cannot see it in their own rusage)."""
    value = function(*args)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return value, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def run_limited(function: Callable[..., Any], *args: Any, limits: ParseLimits) -> Any:
    """Return `function(*args)`, computed in a child within `limits`, or raise LimitExceeded."""
    deadline = time.monotonic() + limits.timeout
    ours, theirs = socket.socketpair()
    with ours:
        try:
            _fork(theirs)
        finally:
            theirs.close()
        try:
            ours.settimeout(limits.timeout)
            _send(ours, (function, args, limits))
            kind, value = _receive(ours, deadline)
        except TimeoutError:
            raise LimitExceeded("time", f"no answer within {limits.timeout:g} s") from None
        except (EOFError, ConnectionError):
            raise LimitExceeded("stopped") from None
    if kind == "ok":
        return value
    raise LimitExceeded(kind, value)
