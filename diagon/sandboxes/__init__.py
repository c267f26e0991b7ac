"""Sandboxes in which workers run commands: one small interface, backends by name.

>>> from diagon.sandboxes import create_sandbox
>>> with create_sandbox("bwrap") as box:              # doctest: +SKIP
...     box.write_file("hello.py", "print('hi')")
...     box.exec(["python3", "hello.py"]).stdout
b'hi\\n'

Backends: ``bwrap`` (default, bubblewrap), ``docker`` (docker SDK) and ``subprocess``
(unsafe, no isolation). Register more with ``@sandbox("name")``. Large read-only inputs are
mounted rather than copied: ``create_sandbox(..., ro_mounts={"corpus/x": host_dir})``
(``diagon.sandboxes.mounts``).
"""

from diagon.sandboxes.base import (
    ExecResult,
    LimitName,
    Sandbox,
    SandboxError,
    SandboxFileTooLarge,
    SandboxLimits,
    SandboxPathError,
    SandboxUnavailable,
    UnsafeSandboxWarning,
    read_head,
)
from diagon.sandboxes.bwrap import BwrapSandbox
from diagon.sandboxes.docker_backend import DockerSandbox  # the SDK itself is imported lazily
from diagon.sandboxes.registry import (
    DEFAULT_SANDBOX,
    create_sandbox,
    registered_sandboxes,
    sandbox,
)
from diagon.sandboxes.subprocess_backend import SubprocessSandbox

__all__ = [
    "DEFAULT_SANDBOX",
    "BwrapSandbox",
    "DockerSandbox",
    "ExecResult",
    "LimitName",
    "Sandbox",
    "SandboxError",
    "SandboxFileTooLarge",
    "SandboxLimits",
    "SandboxPathError",
    "SandboxUnavailable",
    "SubprocessSandbox",
    "UnsafeSandboxWarning",
    "create_sandbox",
    "read_head",
    "registered_sandboxes",
    "sandbox",
]
