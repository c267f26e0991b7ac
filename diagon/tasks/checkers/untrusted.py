"""Call the worker's code from a trusted verifier without running it in the verifier.

A task's tests (or a checker) do ``m = untrusted.load("routes.py")`` instead of importing
the worker's module: ``m`` is a :class:`Remote` whose attribute reads, calls, ``len``,
``in``, ``[]`` and iteration are requests to a child process that runs the worker's code
(:mod:`untrusted_child`). Results come back as plain data (numbers, strings, lists,
tuples, dicts, sets, bytes) and are compared here; any other object stays in the child and
comes back as another :class:`Remote`. An exception raised by the worker's code is raised
here as the same builtin exception (``KeyError``, ``ValueError``, ...) or, for a class of
the worker's module, as a local class with the same name and builtin base, so
``pytest.raises(m.ParseError)`` works. Exceptions that are not ``Exception`` subclasses
(``SystemExit``, ``KeyboardInterrupt``) arrive as :class:`UntrustedError`: the worker
can fail a test but never stop or steer the verifier.

In a verification sandbox the child is started by the sandbox's spawner (its socket is
``$DIAGON_SPAWNER_FD``) as the worker uid, which can neither read the verifier's files nor
write its report nor reach this process. Without a spawner (the unsafe ``subprocess``
backend, a host run) the child is a plain subprocess of this one.

``untrusted.run(code, **env)`` runs trusted helper code (a fake clock, a timing loop, a
thread-safety test) next to the worker's code in the child and returns its ``result``
variable as data: use it where a loop of round trips would measure the channel instead of
the worker's code.
"""

import builtins
import json
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from untrusted_child import ProtocolError, decode, encode  # noqa: E402

del sys.path[0]

CALL_TIMEOUT_S = 30.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_SPAWNER_LOCK = threading.Lock()
_CHILD_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "untrusted_child.py")


class UntrustedError(RuntimeError):
    """The worker's code failed in a way that is not an ordinary exception (it exited,
    crashed, timed out, sent garbage or raised a ``BaseException``)."""


class Channel:
    """One child process and the socket to it (requests are serialised)."""

    def __init__(self, timeout_s=None):
        self.timeout_s = timeout_s or CALL_TIMEOUT_S
        self.lock = threading.Lock()
        self.classes = {}
        self.dead = None
        with open(_CHILD_SOURCE, encoding="utf-8") as fh:
            source = fh.read()
        self.sock, self._kill = _spawn(source)
        self.sock.settimeout(self.timeout_s)
        self.reader = self.sock.makefile("rb")

    def request(self, message):
        with self.lock:
            if self.dead:
                raise UntrustedError(f"the worker's process is gone: {self.dead}")
            try:
                self.sock.sendall(json.dumps(message).encode("utf-8") + b"\n")
                line = self.reader.readline(MAX_MESSAGE_BYTES + 1)
            except TimeoutError:
                self.close(f"a call took longer than {self.timeout_s}s")
                raise UntrustedError(f"the worker's code took longer than {self.timeout_s}s") from None
            except OSError as exc:
                self.close(f"socket error: {exc}")
                raise UntrustedError(f"the worker's process is gone: {exc}") from None
            if not line.endswith(b"\n"):
                self.close("exited or sent an oversized reply")
                raise UntrustedError("the worker's process exited (or sent an oversized reply)")
            try:
                reply = json.loads(line)
                if type(reply) is not dict or len(reply) != 1:
                    raise ProtocolError("a reply must be {'ok': ...} or {'raise': ...}")
                if "ok" in reply:
                    return decode(reply["ok"], self._resolve)
                error = self._exception(reply["raise"])
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                # the channel may be out of step now: this child answers nothing more
                self.close(f"malformed reply: {exc}")
                raise UntrustedError(f"malformed reply from the worker's process: {exc}") from None
        raise error

    def _resolve(self, tag, payload):
        if tag == "$r":
            if type(payload) is not int:
                raise ProtocolError("a reference must be a number")
            return Remote(self, payload)
        return self._local_class(payload)

    def _local_class(self, info):
        """A local stand-in for an exception class of the worker's code: one class per
        remote class, with the same name and the same chain of the worker's classes above
        it down to its builtin base (``Exception`` subclasses only)."""
        if type(info) is not dict:
            raise ProtocolError("an exception class must be an object")
        parent = getattr(builtins, str(info.get("base")), None)
        if not (isinstance(parent, type) and issubclass(parent, Exception)):
            parent = UntrustedError
        if info.get("ref") is None:
            return parent
        chain = info.get("mro") or []
        if type(chain) is not list or not all(type(c) is list and len(c) == 2 for c in chain):
            raise ProtocolError("malformed class chain")
        for ref, name in [*reversed(chain), [info["ref"], info.get("name")]]:
            if ref not in self.classes:
                label = str(name) if str(name).isidentifier() else "WorkerError"
                self.classes[ref] = type(label, (parent,), {"__module__": "worker"})
            parent = self.classes[ref]
        return parent

    def _exception(self, info):
        if type(info) is not dict:
            raise ProtocolError("an exception must be an object")
        name, base = info.get("name"), info.get("base")
        cls = self._local_class(info.get("class") or {"ref": None, "name": name, "base": base})
        message = str(info.get("message", ""))
        if cls is UntrustedError:  # SystemExit, KeyboardInterrupt, ...: never raised as such
            return UntrustedError(f"the worker's code raised {name}: {message}")
        try:
            args = decode(info["args"], self._resolve) if "args" in info else (message,)
            error = cls(*args) if type(args) is tuple else cls(message)
        except Exception:  # a class whose constructor wants other arguments
            error = cls(message)
        attrs = info.get("attrs") or {}
        if type(attrs) is dict:
            for key, value in attrs.items():
                if str(key).isidentifier() and not str(key).startswith("_"):
                    setattr(error, key, decode(value, self._resolve))
        return error

    def close(self, why="closed"):
        self.dead = why
        try:
            self._kill()
        finally:
            self.sock.close()


def _spawn(source):
    """(socket, kill) of a new child: from the sandbox's spawner, else a subprocess."""
    spawner = os.environ.get("DIAGON_SPAWNER_FD")
    if spawner:
        msg, fds = _ask_spawner(int(spawner), {"op": "spawn", "source": source}, 1)
        if not fds:
            raise UntrustedError(f"the spawner could not start a child: {msg[:300]!r}")
        pid = json.loads(msg)["pid"]
        return socket.socket(fileno=fds[0]), lambda: _ask_spawner(int(spawner), {"op": "kill", "pid": pid})
    mine, theirs = socket.socketpair()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-c", source, str(theirs.fileno())],
        pass_fds=[theirs.fileno()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    theirs.close()

    def kill_local():
        proc.kill()
        proc.wait()

    return mine, kill_local


def _ask_spawner(fd, message, max_fds=0):
    """Send one request to the sandbox's spawner; its reply and any descriptors."""
    ctl = socket.socket(fileno=os.dup(fd))  # closing the duplicate keeps ``fd`` open
    _SPAWNER_LOCK.acquire()
    try:
        ctl.sendall(json.dumps(message).encode("utf-8"))
        msg, fds, _, _ = socket.recv_fds(ctl, 4096, max_fds)
        return msg, fds
    except OSError as exc:
        return str(exc).encode(), []
    finally:
        ctl.close()
        _SPAWNER_LOCK.release()


class Remote:
    """An object that lives in the worker's process; every use is a request to it."""

    __slots__ = ("_channel", "_ref")

    def __init__(self, channel, ref):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_ref", ref)

    def _ask(self, op, *args, **fields):
        message = {"op": op, "ref": self._ref, "args": encode(args, _reference), **fields}
        return self._channel.request(message)

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # introspection (pytest, copy) stays local
        return self._ask("getattr", name=name)

    def __setattr__(self, name, value):
        self._ask("setattr", value, name=name)

    def __call__(self, *args, **kwargs):
        return self._ask("call", *args, kwargs=encode(kwargs, _reference))

    def __len__(self):
        return self._ask("len")

    def __contains__(self, item):
        return self._ask("contains", item)

    def __getitem__(self, key):
        return self._ask("getitem", key)

    def __iter__(self):
        return iter(self._ask("iter"))

    def __bool__(self):
        return self._ask("bool")

    def __repr__(self):
        return f"<worker object #{self._ref}>"


def _reference(obj):
    if isinstance(obj, Remote):
        return object.__getattribute__(obj, "_ref")
    raise TypeError(f"only plain data can be passed to the worker's code, not {type(obj).__name__}")


_channel = None


def channel():
    """The session's child process (a new one after the previous died or timed out)."""
    global _channel
    if _channel is None or _channel.dead:
        _channel = Channel()
    return _channel


def load(path):
    """The worker's module ``path`` (relative to the work dir), freshly executed in the child."""
    return channel().request({"op": "load", "path": str(path)})


def run(code, **env):
    """Run trusted ``code`` in the child with ``env`` bound; its ``result`` variable, as data."""
    return channel().request({"op": "run", "code": code, "env": encode(env, _reference)})
