"""Run one command: stream its output under a cap and enforce the wall timeout."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence

from diagon.sandboxes._limits import RawRun

_CHUNK = 64 * 1024
_IDLE_TICK_S = 0.1
_GRACE_S = 2.0  # how long to drain pipes after a kill or after the main process exited
_EXITED = object()  # selector tag of the pidfd

Killer = Callable[[subprocess.Popen[bytes]], None]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group led by ``proc`` (spawned with ``start_new_session``)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class OutputCapture:
    """Keeps the first ``cap`` bytes of a stream and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.truncated = False

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if len(chunk) > room:
            self.truncated = True


def run_capped(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    timeout_s: float,
    max_output_bytes: int,
    kill: Killer = kill_group,
    on_exit: Killer | None = None,
    stdin: bytes | None = None,
    cwd: str | None = None,
    preexec_fn: Callable[[], None] | None = None,
    measure_cpu: bool = True,
    pass_fds: Sequence[int] = (),
) -> RawRun:
    """Run ``argv`` in a new session, keep at most ``max_output_bytes`` of each stream.

    On timeout ``kill`` is called; when the main process exits ``on_exit`` may kill
    stragglers that still hold the pipes. Returns the exit code in shell convention and,
    if ``measure_cpu``, the CPU time of the reaped process tree (from ``wait4``). ``pass_fds``
    stay open in the child (e.g. bwrap's seccomp program).
    """
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        start_new_session=True,
        close_fds=True,
        pass_fds=tuple(pass_fds),
        preexec_fn=preexec_fn,
    )
    reaper = _Reaper(proc)
    try:
        captures, timed_out = _pump(
            proc, reaper, stdin, start + timeout_s, max_output_bytes, kill, on_exit
        )
    finally:
        if not reaper.done:
            kill(proc)
        reaper.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    out, err = captures
    return RawRun(
        reaper.exit_code,
        bytes(out.data),
        bytes(err.data),
        out.truncated,
        err.truncated,
        timed_out,
        time.monotonic() - start,
        reaper.cpu_time_s if measure_cpu else None,
    )


def _pump(
    proc: subprocess.Popen[bytes],
    reaper: _Reaper,
    stdin: bytes | None,
    deadline: float,
    cap: int,
    kill: Killer,
    on_exit: Killer | None,
) -> tuple[tuple[OutputCapture, OutputCapture], bool]:
    assert proc.stdout is not None and proc.stderr is not None
    out, err = OutputCapture(cap), OutputCapture(cap)
    sel = selectors.DefaultSelector()
    for pipe, capture in ((proc.stdout, out), (proc.stderr, err)):
        os.set_blocking(pipe.fileno(), False)
        sel.register(pipe.fileno(), selectors.EVENT_READ, capture)
    pending = memoryview(stdin or b"")
    if proc.stdin is not None:
        if pending:
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE, None)
        else:
            proc.stdin.close()
    pidfd = _pidfd_open(proc.pid)
    if pidfd is not None:
        sel.register(pidfd, selectors.EVENT_READ, _EXITED)
    timed_out, stop_at, exited = False, None, False
    try:
        # run until the process is reaped and both pipes hit EOF (or a grace period ran out)
        while not exited or any(k.data is not _EXITED for k in sel.get_map().values()):
            now = time.monotonic()
            if not timed_out and now >= deadline:
                timed_out = True
                kill(proc)
                stop_at = now + _GRACE_S
            if not exited and reaper.poll():
                exited = True
                if pidfd is not None:
                    sel.unregister(pidfd)
                if on_exit is not None:
                    on_exit(proc)
                stop_at = min(stop_at or now + _GRACE_S, now + _GRACE_S)
                continue
            if stop_at is not None and now >= stop_at:
                break
            limit = stop_at if stop_at is not None else deadline
            for key, _ in sel.select(timeout=max(0.0, min(_IDLE_TICK_S, limit - now))):
                if key.data is _EXITED:
                    continue  # reaped at the top of the loop
                if key.data is None:
                    pending = _feed(sel, proc, key.fd, pending)
                    continue
                try:
                    chunk = os.read(key.fd, _CHUNK)
                except BlockingIOError:
                    continue
                if chunk:
                    key.data.add(chunk)
                else:
                    sel.unregister(key.fd)
    finally:
        sel.close()
        if pidfd is not None:
            os.close(pidfd)
    return (out, err), timed_out


def _pidfd_open(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # old kernel: fall back to polling every tick
        return None


def _feed(
    sel: selectors.BaseSelector, proc: subprocess.Popen[bytes], fd: int, pending: memoryview
) -> memoryview:
    assert proc.stdin is not None
    try:
        pending = pending[os.write(fd, pending[:_CHUNK]) :]
    except BlockingIOError:
        return pending
    except OSError:  # the command closed its stdin or exited
        pending = pending[:0]
    if not pending:
        sel.unregister(fd)
        proc.stdin.close()
    return pending


class _Reaper:
    """Reaps the child with ``wait4`` so the CPU time of the whole tree is known."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.done = False
        self.exit_code = -1
        self.cpu_time_s: float | None = None

    def poll(self) -> bool:
        if not self.done:
            self._reap(os.WNOHANG)
        return self.done

    def wait(self) -> None:
        if not self.done:
            self._reap(0)

    def _reap(self, flags: int) -> None:
        try:
            pid, status, usage = os.wait4(self.proc.pid, flags)
        except ChildProcessError:  # already reaped elsewhere
            self.done, self.exit_code = True, self.proc.wait()
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        self.proc.returncode = code  # tell Popen the child is gone
        self.done = True
        self.exit_code = 128 - code if code < 0 else code
        self.cpu_time_s = usage.ru_utime + usage.ru_stime
