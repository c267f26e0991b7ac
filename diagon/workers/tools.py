"""The LLM worker's tools: shell, python, read/write/list files, submit — all in the sandbox.

:data:`TOOLS` are offered as function-calling tools (``native`` mode) or described in the
prompt with one JSON action per reply (``json`` mode, :data:`ACTION_SCHEMA`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from diagon.models import ToolSpec
from diagon.sandboxes import SandboxError, read_head
from diagon.tasks.sandboxed import sandbox_python

if TYPE_CHECKING:
    from diagon.sandboxes import ExecResult, Sandbox

COMMAND_TIMEOUT_S = 120.0


def _spec(name: str, description: str, **props: tuple[str, str]) -> ToolSpec:
    return ToolSpec(
        name=name,
        description=description,
        parameters={
            "type": "object",
            "properties": {k: {"type": t, "description": d} for k, (t, d) in props.items()},
            "required": list(props),
        },
    )


TOOLS: tuple[ToolSpec, ...] = (
    _spec("shell", "Run a bash command in the work dir (no network).", command=("string", "bash command")),
    _spec("python", "Run Python code in the work dir; returns stdout/stderr.", code=("string", "Python source")),
    _spec("read_file", "Read a text file of the work dir.", path=("string", "relative path")),
    _spec(
        "write_file",
        "Create or replace a file in the work dir.",
        path=("string", "relative path"),
        content=("string", "full file content"),
    ),
    _spec("list_files", "List files under a directory of the work dir.", path=("string", "relative dir, e.g. .")),
    _spec("submit", "Finish: the deliverables are in the work dir.", summary=("string", "what you did")),
)
TOOL_NAMES = tuple(t.name for t in TOOLS)
ACTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "tool": {"type": "string", "enum": list(TOOL_NAMES)},
        "arguments": {"type": "object"},
    },
    "required": ["tool", "arguments"],
}


@dataclass(frozen=True)
class ToolResult:
    """What a tool call returned to the model; ``submitted`` ends the loop."""

    text: str
    submitted: bool = False


def _format(result: ExecResult, limit: int) -> str:
    out = f"exit={result.exit_code}" + (f" limit={result.limit}" if result.limit else "")
    if result.stdout:
        out += f"\nstdout:\n{result.stdout_text}"
    if result.stderr:
        out += f"\nstderr:\n{result.stderr_text}"
    return clip(out, limit)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (head and tail kept)."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


def run_tool(
    box: Sandbox, name: str, args: dict[str, Any], timeout_s: float, limit: int = 6000
) -> ToolResult:
    """Execute one tool call in ``box``; errors become text for the model, never exceptions."""
    # no floor: a call made just before the job's deadline must not run past it
    timeout = max(0.01, min(COMMAND_TIMEOUT_S, timeout_s))
    try:
        if name == "shell":
            return ToolResult(_format(box.exec(["bash", "-c", str(args["command"])], timeout), limit))
        if name == "python":
            cmd = [sandbox_python(box), "-c", str(args["code"])]
            return ToolResult(_format(box.exec(cmd, timeout), limit))
        if name == "read_file":
            # the head only (4 bytes per char at most): a file may be gigabytes
            data, cut = read_head(box, str(args["path"]), 4 * limit)
            text = clip(data.decode("utf-8", errors="replace"), limit)
            return ToolResult(text + ("\n... [file continues]" if cut else ""))
        if name == "write_file":
            content = args.get("content", "")
            content = content if isinstance(content, str) else json.dumps(content)
            box.write_file(str(args["path"]), content)
            return ToolResult(f"wrote {len(content.encode())} bytes to {args['path']}")
        if name == "list_files":
            path = str(args.get("path") or ".")
            # -L: descend into read-only mounts shown as symlinks (subprocess backend)
            cmd = ["find", "-L", path, "-maxdepth", "3", "-not", "-path", "*/.diagon-*", "-not", "-name", ".*"]
            return ToolResult(_format(box.exec(cmd, timeout), limit))
        if name == "submit":
            return ToolResult("submitted", submitted=True)
    except KeyError as exc:
        return ToolResult(f"error: tool {name!r} is missing argument {exc}")
    except (SandboxError, OSError, ValueError) as exc:
        return ToolResult(f"error: {exc}")
    return ToolResult(f"error: unknown tool {name!r}; tools: {', '.join(TOOL_NAMES)}")


def describe_tools() -> str:
    """The tools as prompt text (json mode)."""
    lines = []
    for t in TOOLS:
        args = ", ".join(t.parameters["properties"])
        lines.append(f"- {t.name}({args}): {t.description}")
    return "\n".join(lines)
