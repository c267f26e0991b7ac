"""Verification sandboxes: a trusted harness and the worker's code under two uids.

``create_sandbox(name, verifier=True)`` gives a sandbox in which every ``exec`` starts
:mod:`diagon.sandboxes.spawner`: it runs the command (pytest, a checker: the *harness*) as
one uid and, on request, children that run the worker's code as another (the owner of the
work dir). The harness has a private directory, :attr:`VerifierSandbox.verifier_dir`
(mode 0700, owned by the harness uid, outside the work dir), for its test files and its
report; the host writes and reads it with ``write_verifier_file``/``read_verifier_file``.
So code of the worker can neither read the tests or expected values, nor write the report,
nor signal, trace or read the descriptors of the harness (``/proc/<pid>/fd``).

The two uids need a root caller (bwrap switches with ``setpriv``). A non-root caller's
bwrap sandbox maps a single uid, and ``subprocess`` does not isolate at all: there the
harness and the children share one uid, and only the process boundary remains (the
worker's code still never runs inside the harness).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path, PurePath
from typing import Protocol, runtime_checkable

from diagon.sandboxes import paths
from diagon.sandboxes.base import Sandbox

# the largest report or result the host reads back from the harness's directory
MAX_REPORT_BYTES = 64 * 1024 * 1024
SPAWNER_SOURCE = resources.files("diagon.sandboxes").joinpath("spawner.py").read_text(encoding="utf-8")


@runtime_checkable
class VerifierSandbox(Sandbox, Protocol):
    """A :class:`~diagon.sandboxes.Sandbox` made for verification (module docstring)."""

    @property
    def verifier_dir(self) -> str:
        """The harness's private directory as commands see it."""
        ...

    def write_verifier_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create a file in the harness's directory (owned by the harness uid)."""
        ...

    def read_verifier_file(self, path: str | PurePath) -> bytes:
        """A regular file of the harness's directory (e.g. its junit report)."""
        ...


class VerifierDir:
    """The host side of a harness directory: ``<root>/verifier``, 0700, owned by ``owner``."""

    def __init__(self, root: Path, owner: paths.Owner | None) -> None:
        self.host = root / "verifier"
        self.owner = owner
        self.host.mkdir(mode=0o700)
        if owner is not None:
            os.chown(self.host, *owner)

    def write(self, path: str | PurePath, data: bytes | str) -> None:
        paths.write_file(self.host, path, data, self.owner)

    def read(self, path: str | PurePath) -> bytes:
        return paths.read_file(self.host, path, max_bytes=MAX_REPORT_BYTES)


def spawner_argv(python: str, harness_prefix: list[str], worker_prefix: list[str]) -> list[str]:
    """Argv prefix that runs the rest of the argv as the harness under the spawner."""
    config = {"python": python, "harness_prefix": harness_prefix, "worker_prefix": worker_prefix}
    return [python, "-I", "-c", SPAWNER_SOURCE, json.dumps(config), "--"]


class HarnessMixin:
    """``verifier_dir`` and its file access for a backend holding a :class:`VerifierDir`
    in ``_harness`` (``None``: not a verification sandbox)."""

    _harness: VerifierDir | None = None

    @property
    def verifier_dir(self) -> str:
        """The harness's private directory as commands see it."""
        self._verifier_only()
        return self._harness_path()

    def write_verifier_file(self, path: str | PurePath, data: bytes | str) -> None:
        """Create a file in the harness's directory (owned by the harness uid)."""
        self._verifier_only().write(path, data)

    def read_verifier_file(self, path: str | PurePath) -> bytes:
        """A regular file of the harness's directory (e.g. its junit report)."""
        return self._verifier_only().read(path)

    def _harness_path(self) -> str:
        raise NotImplementedError

    def _verifier_only(self) -> VerifierDir:
        check_open = getattr(self, "_check_open", None)
        if check_open is not None:
            check_open()
        if self._harness is None:
            raise AttributeError("not a verification sandbox (create it with verifier=True)")
        return self._harness
