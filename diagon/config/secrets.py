"""Keeping credentials out of run directories.

A key given on the command line (``model.options.api_key=sk-…``) must work for the run
but never reach ``run.json``, the ``.hydra/`` files Diagon writes, or the events: run
directories are shared and published. A value is a secret when its key is named like
one (:func:`is_secret_key`: ``*api_key*``, ``*apikey*``, ``*secret*``, ``*password*``,
a last word ``token`` or ``authorization``; never ``*_env``, which names a variable) or
when it looks like a provider key (``sk-…``).

``run.json`` keeps the config *without* those keys and lists their dotted paths under
``redacted``; the run id is hashed from that same public config, so a resumed run has
the id it started with. A secret string that would still reach an event or the run's
error message (an SDK error echoing a key) is replaced there too (:func:`known_secrets`,
:func:`scrub`). ``diagon resume`` therefore runs without the keys: the backends then read
them from the environment (``model.api_key_env``, else the backend's default variable
such as ``OPENAI_API_KEY``), which is where a resumed run gets its credentials.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
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


def _split(data: Any, prefix: str) -> tuple[Any, list[tuple[str, Any]]]:
    """``data`` without its secrets, and the (dotted path, value) pairs taken out."""
    if isinstance(data, dict):
        kept: dict[Any, Any] = {}
        removed: list[tuple[str, Any]] = []
        for key, value in data.items():
            path = f"{prefix}{key}"
            if is_secret_key(key) or is_secret_value(value):
                removed.append((path, value))
                continue
            kept[key], inner = _split(value, f"{path}.")
            removed += inner
        return kept, removed
    if isinstance(data, list):
        items = [_split(v, f"{prefix}{i}.") for i, v in enumerate(data)]
        return [v for v, _ in items], [pair for _, inner in items for pair in inner]
    return data, []


def strip_secrets(data: Any) -> tuple[Any, list[str]]:
    """A copy of a plain config without its secrets, and the dotted paths removed."""
    kept, removed = _split(data, "")
    return kept, [path for path, _ in removed]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def known_secrets(plain: Any, env: Mapping[str, str] | None = None) -> list[str]:
    """The secret strings a run may see: those of its config, and the API key its model
    backend reads from the environment (a resumed run's key). Shorter than 8 characters
    is not a credential and would scrub ordinary text."""
    from diagon.models.registry import resolve_api_key_env

    env = os.environ if env is None else env
    found = [s for _, value in _split(plain, "")[1] for s in _strings(value)]
    model = plain.get("model", {}) if isinstance(plain, dict) else {}
    variable = resolve_api_key_env(str(model.get("backend")), model.get("api_key_env"))
    if variable and env.get(variable):
        found.append(env[variable])
    return sorted({s for s in found if len(s) >= 8}, key=len, reverse=True)


def scrub(data: bytes, secrets: Iterable[str]) -> bytes:
    """``data`` with every occurrence of each secret replaced by ``<redacted>``."""
    for secret in secrets:
        data = data.replace(secret.encode(), REDACTED.encode())
    return data


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
