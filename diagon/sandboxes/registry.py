"""Sandbox backends registered by name: ``@sandbox("bwrap")`` and ``create_sandbox``."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from diagon.sandboxes.base import Sandbox, SandboxLimits
from diagon.sandboxes.mounts import MountSpecs

SandboxFactory = Callable[..., Sandbox]
SandboxProvider = Callable[[], SandboxFactory]

DEFAULT_SANDBOX = "bwrap"
_REGISTRY: dict[str, SandboxProvider] = {}


def sandbox(name: str) -> Callable[[SandboxProvider], SandboxProvider]:
    """Register a provider: a function returning the backend class (imported lazily).

    The class is called as ``cls(files_dir=..., limits=..., **options)``; ``ro_mounts=`` is
    among the options only when read-only mounts are asked for.
    """

    def register(provider: SandboxProvider) -> SandboxProvider:
        if name in _REGISTRY and _REGISTRY[name] is not provider:
            raise ValueError(f"a sandbox named {name!r} is already registered")
        _REGISTRY[name] = provider
        return provider

    return register


def registered_sandboxes() -> tuple[str, ...]:
    """Names accepted by :func:`create_sandbox`."""
    return tuple(sorted(_REGISTRY))


def create_sandbox(
    name: str = DEFAULT_SANDBOX,
    files_dir: str | os.PathLike[str] | None = None,
    limits: SandboxLimits | None = None,
    ro_mounts: MountSpecs | None = None,
    verifier: bool = False,
    **options: Any,
) -> Sandbox:
    """Start a fresh sandbox of backend ``name`` with ``files_dir`` copied into its work dir.

    ``ro_mounts`` (work-dir prefix → host directory) are shown read-only in the work dir
    without copying (``diagon.sandboxes.mounts``); invalid specs raise ``ValueError``.
    ``verifier=True`` asks for a verification sandbox (``diagon.sandboxes.verifier``) from
    a backend that offers one; others give a plain sandbox (check with
    ``isinstance(box, VerifierSandbox)``).
    Raises :class:`~diagon.sandboxes.SandboxUnavailable` when the backend cannot run here.
    """
    try:
        provider = _REGISTRY[name]
    except KeyError:
        known = ", ".join(registered_sandboxes())
        raise ValueError(f"unknown sandbox {name!r}; registered: {known}") from None
    factory = provider()
    if ro_mounts:
        if not _accepts(factory, "ro_mounts"):
            raise ValueError(f"sandbox {name!r} does not support read-only mounts (ro_mounts)")
        options["ro_mounts"] = ro_mounts
    if verifier and _accepts(factory, "verifier"):
        options["verifier"] = True
    return factory(files_dir=files_dir, limits=limits or SandboxLimits(), **options)


def _accepts(factory: SandboxFactory, keyword: str) -> bool:
    try:
        params = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # no signature: let the call decide
        return True
    return any(p.name == keyword or p.kind is p.VAR_KEYWORD for p in params)


@sandbox("bwrap")
def _bwrap() -> SandboxFactory:
    from diagon.sandboxes.bwrap import BwrapSandbox

    return BwrapSandbox


@sandbox("subprocess")
def _subprocess() -> SandboxFactory:
    from diagon.sandboxes.subprocess_backend import SubprocessSandbox

    return SubprocessSandbox


@sandbox("docker")
def _docker() -> SandboxFactory:
    from diagon.sandboxes.docker_backend import DockerSandbox

    return DockerSandbox
