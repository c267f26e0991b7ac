"""The untrusted side of :mod:`untrusted`: a process that runs the worker's code.

Started as ``python -I -c <this source> <fd>`` by the verification sandbox's spawner as the
*worker* uid (or, without a spawner, as a plain subprocess). It serves requests on the
socket ``fd``: one JSON object per line in, one per line out. Every value crosses as plain
data (:func:`encode`/:func:`decode`, shared with the trusted side); an object that is not
plain data stays here and crosses as a numbered reference. Whatever this process sends is
only data to the trusted side, which compares it; nothing of the worker's code ever runs
in the trusted process.

Also imported by the trusted side for :func:`encode`/:func:`decode` (stdlib only).
"""

import base64
import importlib.util
import json
import os
import sys

MAX_DEPTH = 64
_TAGS = ("$t", "$d", "$s", "$fs", "$b", "$r", "$e")


class ProtocolError(ValueError):
    """A message that is not well-formed plain data."""


def builtin_base(cls):
    """Name of the first builtin class in ``cls``'s MRO (``ValueError`` for a custom one)."""
    for klass in cls.__mro__:
        if klass.__module__ == "builtins":
            return klass.__name__
    return "Exception"


def class_info(cls, ref):
    """An exception class of the worker's code as data: its reference, name, builtin base
    and the worker's classes above it (``mro``: [[ref, name], ...], nearest first)."""
    above = [[ref(c), c.__name__] for c in cls.__mro__[1:] if c.__module__ != "builtins"]
    return {"ref": ref(cls), "name": cls.__name__, "base": builtin_base(cls), "mro": above}


def encode(value, ref, depth=0):
    """``value`` as JSON-ready plain data; ``ref(obj)`` names anything else.

    Subclasses of the plain types (a namedtuple, an ``OrderedDict``, numpy scalars and
    arrays) cross as their plain values: JSON text carries no class, so whatever a
    subclass overrides (``__eq__``) stays on this side.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value  # json.dumps writes the plain number or text of a subclass
    nested = depth + 1
    if isinstance(value, list):
        return [encode(v, ref, nested) for v in value]
    if isinstance(value, tuple):
        return {"$t": [encode(v, ref, nested) for v in value]}
    if isinstance(value, dict):
        return {"$d": [[encode(k, ref, nested), encode(v, ref, nested)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        items = [encode(v, ref, nested) for v in value]
        return {"$fs" if isinstance(value, frozenset) else "$s": items}
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, type) and issubclass(value, BaseException):
        if value.__module__ == "builtins":
            return {"$e": {"ref": None, "name": value.__name__, "base": value.__name__, "mro": []}}
        return {"$e": class_info(value, ref)}
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return encode(value.tolist(), ref, nested)  # a numpy scalar or array
    return {"$r": ref(value)}


def decode(data, resolve, depth=0):
    """Inverse of :func:`encode`; ``resolve(tag, payload)`` turns ``$r``/``$e`` into objects.

    Raises :class:`ProtocolError` on anything that :func:`encode` does not produce.
    """
    if depth > MAX_DEPTH:
        raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    nested = depth + 1
    if kind is list:
        return [decode(v, resolve, nested) for v in data]
    if kind is not dict or len(data) != 1:
        raise ProtocolError(f"unexpected value {str(data)[:80]!r}")
    (tag, payload), = data.items()
    if tag in ("$r", "$e"):
        return resolve(tag, payload)
    if tag == "$b":
        if type(payload) is not str:
            raise ProtocolError("bytes must be base64 text")
        return base64.b64decode(payload, validate=True)
    if tag not in _TAGS or type(payload) is not list:
        raise ProtocolError(f"unknown tag {tag!r}")
    items = [decode(v, resolve, nested) for v in payload]
    try:
        if tag == "$t":
            return tuple(items)
        if tag == "$s":
            return set(items)
        if tag == "$fs":
            return frozenset(items)
        if not all(type(p) is list and len(p) == 2 for p in items):
            raise ProtocolError("a dict must be a list of [key, value] pairs")
        return {k: v for k, v in items}
    except TypeError as exc:  # an unhashable key or set member
        raise ProtocolError(str(exc)) from None


class Objects:
    """The objects that stayed here, by reference number (each object gets one number)."""

    def __init__(self):
        self.by_ref = {}
        self.by_id = {}

    def ref(self, obj):
        key = id(obj)
        if key not in self.by_id:
            self.by_id[key] = len(self.by_ref) + 1
            self.by_ref[self.by_id[key]] = obj
        return self.by_id[key]

    def resolve(self, tag, payload):
        ref = payload["ref"] if tag == "$e" and type(payload) is dict else payload
        if type(ref) is not int or ref not in self.by_ref:
            raise ProtocolError(f"unknown reference {ref!r}")
        return self.by_ref[ref]


def load_module(path):
    """Execute the worker's file as a fresh module (a new instance on every load)."""
    full = os.path.abspath(path)
    stem = os.path.splitext(os.path.basename(full))[0]
    name = "worker_" + ("".join(c if c.isalnum() else "_" for c in stem) or "module")
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickle look their module up here
    spec.loader.exec_module(module)
    return module


def handle(request, objects):
    """Run one request; its result as a Python value."""
    op = request.get("op")
    args = decode(request.get("args", []), objects.resolve)
    if op == "load":
        return load_module(str(request["path"]))
    if op == "run":
        scope = {"__name__": "__verifier__", **decode(request.get("env", {"$d": []}), objects.resolve)}
        exec(str(request["code"]), scope)
        return scope.get("result")
    target = objects.resolve("$r", request.get("ref"))
    if op == "getattr":
        return getattr(target, str(request["name"]))
    if op == "setattr":
        return setattr(target, str(request["name"]), args[0])
    if op == "call":
        return target(*args, **decode(request.get("kwargs", {"$d": []}), objects.resolve))
    if op == "len":
        return len(target)
    if op == "contains":
        return args[0] in target
    if op == "getitem":
        return target[args[0]]
    if op == "iter":
        return list(target)
    if op == "bool":
        return bool(target)
    raise ProtocolError(f"unknown op {op!r}")


def _text(exc):
    try:
        return str(exc)[:4000]
    except BaseException:  # a custom __str__ may raise anything
        return type(exc).__name__


def describe(exc, objects):
    """An exception as data: its class (by builtin base and reference), message, args, attrs."""
    cls = type(exc)
    out = {"name": cls.__name__, "base": builtin_base(cls), "message": _text(exc)}
    if cls.__module__ != "builtins":
        out["class"] = class_info(cls, objects.ref)
    try:
        out["args"] = encode(tuple(exc.args), objects.ref)
    except BaseException:
        pass
    attrs = {}
    for key, value in list(getattr(exc, "__dict__", {}).items())[:32]:
        try:
            attrs[str(key)] = encode(value, objects.ref)
        except BaseException:
            continue
    out["attrs"] = attrs
    return out


def serve(fd):
    import socket

    sock = socket.socket(fileno=fd)
    reader, writer = sock.makefile("rb"), sock.makefile("wb")
    objects = Objects()
    for line in reader:
        try:
            reply = {"ok": encode(handle(json.loads(line), objects), objects.ref)}
        except BaseException as exc:  # the worker's code may raise anything, even SystemExit
            try:
                reply = {"raise": describe(exc, objects)}
            except BaseException:
                reply = {"raise": {"name": "Exception", "base": "Exception", "message": "?"}}
        try:
            data = json.dumps(reply).encode("utf-8")
        except (TypeError, ValueError) as exc:  # e.g. an int too long to print
            data = json.dumps({"raise": {"name": "ValueError", "base": "ValueError", "message": _text(exc)}}).encode()
        writer.write(data + b"\n")
        writer.flush()


if __name__ == "__main__":
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    serve(int(sys.argv[1]))
