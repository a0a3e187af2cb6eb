"""Start the tests' Python subprocesses (the apps, the CLIs) warm: forked from a server that imported the heavy libraries once.

A fresh interpreter spends about 10 CPU-seconds importing torch, transformers, sentence-transformers,
llama-index and chromadb before it runs a line of Citewise. On two cores the suite's dozen-odd app and
CLI starts were a third of its time. ``WarmStarter`` runs this file as a server (``python -u
tests/warm_start.py SOCKET``): it imports those libraries and then forks one child per request. The child
takes the request's environment, working folder and standard streams, and runs ``app.py`` or ``python -m
...`` as a fresh interpreter would (``runpy``, as ``__main__``). It is a real, separate process: the tests
stop and kill it with real signals, and read its exit code as ``Popen.returncode`` reports one.

What is imported before the fork is third-party code that reads no per-process settings at import:
not Citewise's own packages, not gradio (it reads ``GRADIO_TEMP_DIR`` when imported), not onnxruntime
(it starts a thread when imported, and a fork copies only the thread that forks). The server checks that
it is single-threaded before it serves. Where the start itself is under test, the tests start a cold
interpreter instead: the CLI subprocess contract (``test_cli``) and one app (``test_auth``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import IO, Any

# The libraries worth importing once: together about 10 CPU-seconds of every app and CLI start.
PRELOAD = (
    "numpy",
    "torch",
    "transformers",
    "sentence_transformers",
    "llama_index.core",
    "chromadb",
    "fastapi",
    "uvicorn",
    "httpx",
)
READY = "ready"
_HEADER = struct.Struct("!I")  # the request's length in bytes
_STREAMS = 3  # stdin, stdout, stderr: always sent, as file descriptors


# --------------------------------------------------------------------------- the server (run as a script)


def serve(socket_path: str) -> None:
    """Import ``PRELOAD``, then fork a child for each request on ``socket_path`` and report its exit status."""
    for name in PRELOAD:
        importlib.import_module(name)
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        sys.exit(f"warm_start: {threads} threads after the imports; a fork would copy only one of them")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}  # pid -> the connection that asked for it
    parent = os.getppid()
    print(READY, flush=True)
    while os.getppid() == parent:  # the test process that started this server is gone: stop
        if selector.select(timeout=0.05):
            connection, _ = listener.accept()
            request, fds = _receive(connection)
            pid = os.fork()
            if pid == 0:
                selector.close()
                listener.close()
                for other in children.values():
                    other.close()
                connection.close()
                _run_child(request, fds)  # never returns
            for fd in fds:
                os.close(fd)
            connection.sendall(f"{pid}\n".encode())
            children[pid] = connection
        _reap(children)


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, _STREAMS)
    while len(data) < _HEADER.size or len(data) < _HEADER.size + _HEADER.unpack_from(data)[0]:
        data += connection.recv(1 << 16)
    (length,) = _HEADER.unpack_from(data)
    return json.loads(data[_HEADER.size : _HEADER.size + length]), list(fds)


def _reap(children: dict[int, socket.socket]) -> None:
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            connection = children.pop(pid)
            with contextlib.suppress(OSError):  # nobody waits for it any more
                connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            connection.close()


def _run_child(request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: become ``python ARGV`` with the request's environment, folder and streams; then exit."""
    code: int = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        code = _exit_code(_run(request["argv"]))
    except SystemExit as stop:
        code = _exit_code(stop.code)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        threading._shutdown()  # type: ignore[attr-defined]  # as interpreter exit does: wait for non-daemon threads
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


def _run(argv: list[str]) -> None:
    """Run what ``python *argv`` would: ``-m MODULE ARGS``, ``-c CODE ARGS`` or ``SCRIPT ARGS``."""
    import runpy

    if argv[0] == "-m":
        sys.argv, sys.path[0] = [argv[1], *argv[2:]], os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        sys.argv, sys.path[0] = ["-c", *argv[2:]], ""
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    else:
        script = os.path.abspath(argv[0])
        sys.argv, sys.path[0] = [argv[0], *argv[1:]], os.path.dirname(script)
        runpy.run_path(script, run_name="__main__")


def _exit_code(code: object) -> int:
    """The status ``sys.exit(code)`` gives a process: None is 0, a number itself, anything else is printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- the client (in the tests)


class WarmProcess:
    """A child of the warm server, used as a ``subprocess.Popen``: ``pid``, ``poll``, ``wait``, signals, ``communicate``."""

    def __init__(self, args: list[str], connection: socket.socket, pipes: dict[str, IO[Any] | None]) -> None:
        self.args = args
        self._connection = connection
        self._reply = b""
        self.pid = int(self._read_line(timeout=60))
        self.returncode: int | None = None
        self.stdin, self.stdout, self.stderr = pipes["stdin"], pipes["stdout"], pipes["stderr"]

    def _read_line(self, timeout: float | None) -> str:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._reply:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            self._connection.settimeout(left)
            try:
                chunk = self._connection.recv(64)
            except (TimeoutError, BlockingIOError):  # BlockingIOError: a timeout of 0
                raise subprocess.TimeoutExpired(self.args, timeout) from None
            if not chunk:
                raise RuntimeError("the warm-start server went away")
            self._reply += chunk
        line, self._reply = self._reply.split(b"\n", 1)
        return line.decode()

    def poll(self) -> int | None:
        """The exit code once the child has ended, else None."""
        if self.returncode is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.wait(timeout=0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end (``subprocess.TimeoutExpired`` after ``timeout`` seconds); its exit code."""
        if self.returncode is None:
            self.returncode = int(self._read_line(timeout))
            self._connection.close()
        return self.returncode

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child, unless it has ended."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        """SIGTERM, as ``Popen.terminate``."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL, as ``Popen.kill``."""
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[Any, Any]:
        """Read the piped stdout and stderr to their ends, then wait for the child (as ``Popen.communicate``)."""
        results: dict[str, Any] = {}
        readers = [
            threading.Thread(target=lambda name=name, stream=stream: results.__setitem__(name, stream.read()), daemon=True)
            for name, stream in (("stdout", self.stdout), ("stderr", self.stderr))
            if stream is not None
        ]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return results.get("stdout"), results.get("stderr")


class WarmStarter:
    """The warm-start server of one test process: ``popen`` starts ``[sys.executable, ...]`` as a fork of it."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._socket = str(folder / "warm.sock")
        self._log = folder / "warm.log"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
        with self._log.open("wb") as log:
            self._server = subprocess.Popen(
                [sys.executable, "-u", __file__, self._socket],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._ready = False

    def _wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready:
            if self._server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the warm-start server did not start:\n{self._log.read_text(errors='replace')[-3000:]}")
            self._ready = self._log.read_text(errors="replace").startswith(READY)
            time.sleep(0.05)

    def popen(
        self,
        args: list[str],
        *,
        cwd: Path | str,
        env: dict[str, str],
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        text: bool = False,
    ) -> WarmProcess:
        """Start ``args`` (``[sys.executable, "app.py" | "-m", ... | "-c", ...]``) as ``subprocess.Popen`` would, warm."""
        if args[0] != sys.executable:
            raise ValueError(f"only {sys.executable} starts warm, not {args[0]}")
        self._wait_ready()
        child_fds: list[int] = []
        pipes: dict[str, IO[Any] | None] = {}
        to_close: list[int] = []
        for index, (name, spec) in enumerate((("stdin", stdin), ("stdout", stdout), ("stderr", stderr))):
            pipes[name] = None
            if spec == subprocess.STDOUT:
                child_fds.append(child_fds[1])
            elif spec == subprocess.DEVNULL:
                fd = os.open(os.devnull, os.O_RDWR)
                child_fds.append(fd)
                to_close.append(fd)
            elif spec == subprocess.PIPE:
                read_end, write_end = os.pipe()
                ours, theirs = (write_end, read_end) if name == "stdin" else (read_end, write_end)
                pipes[name] = os.fdopen(ours, ("w" if name == "stdin" else "r") + ("" if text else "b"))
                child_fds.append(theirs)
                to_close.append(theirs)
            elif spec is None:
                child_fds.append(index)  # this process's own stream, as Popen inherits it
            else:
                child_fds.append(spec if isinstance(spec, int) else spec.fileno())
        request = json.dumps({"argv": args[1:], "cwd": str(cwd), "env": env}).encode()
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self._socket)
            message = _HEADER.pack(len(request)) + request
            sent = socket.send_fds(connection, [message], child_fds)
            connection.sendall(message[sent:])
        finally:
            for fd in to_close:
                os.close(fd)
        return WarmProcess(args, connection, pipes)

    def close(self) -> None:
        """Stop the server (children still running are the tests' to stop)."""
        if self._server.poll() is None:
            self._server.terminate()
            self._server.wait(timeout=15)


if __name__ == "__main__":
    serve(sys.argv[1])
