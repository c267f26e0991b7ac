"""``untrusted``: the verifier's proxy to the worker's code, against hostile worker code.

Run here without a spawner (the child is a plain subprocess); the two-uid case is in
``test_verifier_isolation.py``. The worker's code may return anything, raise anything,
exit, hang or write garbage on its channel: the trusted side only ever gets plain data, an
ordinary exception or :class:`UntrustedError`, and never runs the worker's code itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from diagon.tasks.checkers import untrusted
from diagon.tasks.checkers.untrusted_child import MAX_DEPTH, ProtocolError, decode, encode

WORKER = '''
import os, sys, time

class Base(ValueError):
    pass

class CycleError(Base):
    def __init__(self, cycle):
        super().__init__(f"cycle {cycle}")
        self.cycle = cycle

class Yes:
    def __eq__(self, other):
        return True

class Box:
    def __init__(self, n):
        self.n = n
        self.items = {}
    def put(self, k, v):
        self.items[k] = v
    def __len__(self):
        return len(self.items)
    def __contains__(self, k):
        return k in self.items
    @property
    def stats(self):
        return {"n": self.n}

def echo(*args, **kwargs):
    return args, kwargs

def plain_subclasses():
    import collections
    Point = collections.namedtuple("Point", "x y")

    class Sneaky(int):
        def __eq__(self, other):
            return True

    return Point(1, 2), collections.OrderedDict(a=1), Sneaky(5)

def cycle():
    raise CycleError(["a", "b", "a"])

def key():
    return {}["missing"]

def leave():
    sys.exit(0)

def interrupt():
    raise KeyboardInterrupt

def crash():
    os._exit(3)

def hang():
    time.sleep(60)

def yes():
    return Yes()

def garbage():
    os.write(int(sys.argv[1]), b'{"ok": {"$zz": 1}}\\n')
    return 1

def huge():
    return "x" * (untrusted_max + 10)

def deep():
    value = []
    for _ in range(1000):
        value = [value]
    return value
'''


@pytest.fixture
def worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[untrusted.Remote]:
    code = WORKER.replace("untrusted_max", str(untrusted.MAX_MESSAGE_BYTES))
    (tmp_path / "mod.py").write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DIAGON_SPAWNER_FD", raising=False)
    monkeypatch.setattr(untrusted, "_channel", None)
    yield untrusted.load("mod.py")
    if untrusted._channel is not None:
        untrusted._channel.close()


def test_values_cross_as_plain_data(worker: untrusted.Remote) -> None:
    value = ((1, 2.5, "s", None, True), {1: {2, 3}, (4,): frozenset({5})}, b"\x00\xff", [math.inf])
    args, kwargs = worker.echo(*value, k=[(1,)])
    assert args == value and kwargs == {"k": [(1,)]}
    assert type(args[0]) is tuple and type(args[1][1]) is set and args[3][0] == math.inf
    # subclasses cross as their plain values: an overridden __eq__ stays in the child
    point, ordered, sneaky = worker.plain_subclasses()
    assert (point, ordered, sneaky) == ((1, 2), {"a": 1}, 5)
    assert type(point) is tuple and type(ordered) is dict and type(sneaky) is int and sneaky != 6


def test_objects_stay_in_the_child(worker: untrusted.Remote) -> None:
    box = worker.Box(3)
    assert isinstance(box, untrusted.Remote)
    assert box.put("a", 1) is None and len(box) == 1 and "a" in box and "b" not in box
    assert box.stats == {"n": 3} and box.n == 3
    box.n = 7
    assert box.n == 7
    # an object claiming to equal everything is compared here, by identity: never equal
    assert worker.yes() != True  # noqa: E712
    assert worker.yes() != worker.yes()


def test_exceptions_keep_class_hierarchy_and_attributes(worker: untrusted.Remote) -> None:
    with pytest.raises(worker.CycleError) as exc:
        worker.cycle()
    assert exc.value.cycle == ["a", "b", "a"] and str(exc.value) == "cycle ['a', 'b', 'a']"
    assert isinstance(exc.value, worker.Base) and isinstance(exc.value, ValueError)
    assert issubclass(worker.CycleError, worker.Base) and worker.CycleError is worker.CycleError
    with pytest.raises(KeyError, match="missing"):
        worker.key()


@pytest.mark.parametrize("name", ["leave", "interrupt"])
def test_exit_and_interrupt_never_stop_the_verifier(worker: untrusted.Remote, name: str) -> None:
    with pytest.raises(untrusted.UntrustedError, match="SystemExit|KeyboardInterrupt"):
        getattr(worker, name)()
    assert worker.echo(1) == ((1,), {})  # the child still serves


def test_crash_hang_and_garbage_end_the_child_only(
    worker: untrusted.Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(untrusted.UntrustedError, match="exited"):
        worker.crash()
    with pytest.raises(untrusted.UntrustedError, match="gone"):
        worker.echo(1)  # a proxy of the dead child
    monkeypatch.setattr(untrusted, "CALL_TIMEOUT_S", 1.0)
    fresh = untrusted.load("mod.py")  # the next load gets a new child
    with pytest.raises(untrusted.UntrustedError, match="longer than 1.0s"):
        fresh.hang()
    fresh = untrusted.load("mod.py")
    with pytest.raises(untrusted.UntrustedError, match="malformed reply"):
        fresh.garbage()
    monkeypatch.setattr(untrusted, "CALL_TIMEOUT_S", 60.0)  # 64 MiB take a moment
    fresh = untrusted.load("mod.py")
    with pytest.raises(untrusted.UntrustedError, match="oversized"):
        fresh.huge()


def test_deep_values_are_refused_on_both_sides(worker: untrusted.Remote) -> None:
    with pytest.raises(ValueError, match="nested deeper"):
        worker.deep()
    deep: list = []
    for _ in range(MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(ProtocolError):
        encode(deep, lambda obj: 0)
    with pytest.raises(ProtocolError):
        decode({"$x": []}, lambda tag, payload: None)
    with pytest.raises(ProtocolError):
        decode({"$d": [[[1], 2]]}, lambda tag, payload: None)  # an unhashable key


def test_trusted_snippet_runs_next_to_the_worker_code(worker: untrusted.Remote) -> None:
    box = worker.Box(1)
    assert untrusted.run("for i in range(1000):\n    box.put(i, i)\nresult = len(box)", box=box) == 1000
    with pytest.raises(TypeError, match="plain data"):
        worker.echo(object())  # nothing but data and proxies crosses to the worker
