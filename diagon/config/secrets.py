"""Keeping credentials out of run directories.

A key given on the command line (``model.options.api_key=sk-…``) must work for the run
but never reach ``run.json``, the ``.hydra/`` files Diagon writes, or the events: run
directories are shared and published. A value is a secret when its key is named like
one (:func:`is_secret_key`: ``*api_key*``, ``*apikey*``, ``*secret*``, ``*password*``,
a last word ``token`` or ``authorization``; never ``*_env``, which names a variable) or
when it looks like a provider key (``sk-…``).

``run.json`` keeps the config *without* those keys and lists their dotted paths under
``redacted``; the run id is hashed from that same public config, so a resumed run has
the id it started with. ``diagon resume`` therefore runs without them: the backends then
read the key from the environment (``model.api_key_env``, else the backend's default
variable such as ``OPENAI_API_KEY``), which is where a resumed run gets its credentials.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "<redacted>"
_LAST_WORDS = {"token", "secret", "password", "passwd", "authorization", "credentials", "apikey"}
_ANY_WORDS = {"secret", "password", "passwd"}
_KEY_VALUE = re.compile(r"^\s*(?:sk|rk|pk)-[A-Za-z0-9_-]{16,}\s*$|^\s*Bearer\s+\S+", re.IGNORECASE)
_ASSIGNMENT = re.compile(r"(?P<key>[\w.+~/-]+)=(?P<value>[^,\s]*)")


def is_secret_key(name: str) -> bool:
    """Whether a config key holds a credential (by its name)."""
    low = str(name).lower().replace("-", "_")
    words = low.split("_")
    if words[-1] == "env":  # api_key_env names an environment variable, not a key
        return False
    return "api_key" in low or "apikey" in low or words[-1] in _LAST_WORDS or bool(_ANY_WORDS & set(words))


def is_secret_value(value: Any) -> bool:
    """Whether a string looks like a provider key or a bearer credential."""
    return isinstance(value, str) and bool(_KEY_VALUE.search(value))


def strip_secrets(data: Any, prefix: str = "") -> tuple[Any, list[str]]:
    """A copy of a plain config without its secrets, and the dotted paths removed."""
    if isinstance(data, dict):
        kept: dict[Any, Any] = {}
        removed: list[str] = []
        for key, value in data.items():
            path = f"{prefix}{key}"
            if is_secret_key(key) or is_secret_value(value):
                removed.append(path)
                continue
            kept[key], inner = strip_secrets(value, f"{path}.")
            removed += inner
        return kept, removed
    if isinstance(data, list):
        items = [strip_secrets(v, f"{prefix}{i}.") for i, v in enumerate(data)]
        return [v for v, _ in items], [p for _, inner in items for p in inner]
    return data, []


def redact(data: Any) -> Any:
    """A copy of a config (or overrides list) with every secret replaced by ``<redacted>``.

    Strings are scanned for ``key=value`` assignments too (Hydra's override lists and
    ``override_dirname``), so ``model.options.api_key=sk-…`` becomes ``…=<redacted>``.
    """
    if isinstance(data, dict):
        return {k: REDACTED if is_secret_key(k) or is_secret_value(v) else redact(v) for k, v in data.items()}
    if isinstance(data, list):
        return [redact(v) for v in data]
    if isinstance(data, str):
        if is_secret_value(data):
            return REDACTED
        return _ASSIGNMENT.sub(_redact_assignment, data)
    return data


def _redact_assignment(match: re.Match[str]) -> str:
    key = match.group("key").rsplit(".", 1)[-1].lstrip("+~")
    if is_secret_key(key) or is_secret_value(match.group("value")):
        return f"{match.group('key')}={REDACTED}"
    return match.group(0)
