"""The error of an invalid configuration value, and the check that raises it."""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key."""


def _check(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise ConfigError(f"invalid config `{key}`: {message}")
