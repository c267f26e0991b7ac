"""Composing configurations outside of ``@hydra.main`` and turning them into objects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from diagon.config.schema import ConfigError, DiagonConfig
from diagon.config.store import conf_dir, register_configs

_INTERPOLATION = re.compile(r"(\\*)\$\{")


def to_run_config(cfg: DictConfig) -> DiagonConfig:
    """Validated :class:`DiagonConfig` from a composed config."""
    try:
        obj = OmegaConf.to_object(cfg)
    except OmegaConfBaseException as exc:
        raise ConfigError(f"invalid config: {exc}") from exc
    if not isinstance(obj, DiagonConfig):  # pragma: no cover - schema always applies
        raise ConfigError("config is not typed by the Diagon schema (base_config missing?)")
    unknown = _unknown_keys(cfg, obj, "")
    if unknown:
        raise ConfigError(f"invalid config: unknown key `{unknown[0]}` (not in the schema)")
    obj.validate()
    return obj


def _unknown_keys(node: object, obj: object, prefix: str) -> list[str]:
    """Keys present in the composed config but absent from the schema (``+key=`` adds)."""
    if not is_dataclass(obj) or not isinstance(node, DictConfig):
        if isinstance(obj, dict) and isinstance(node, DictConfig):
            return [u for k in node.keys() for u in _unknown_keys(node[k], obj.get(k), f"{prefix}{k}.")]
        return []
    names = {f.name for f in fields(obj)}
    found = [f"{prefix}{k}" for k in node.keys() if k not in names]
    for name in names & set(node.keys()):
        found += _unknown_keys(node[name], getattr(obj, name), f"{prefix}{name}.")
    return found


def compose_config(overrides: Sequence[str] = ()) -> DiagonConfig:
    """Compose ``conf/config.yaml`` with Hydra overrides and validate it (for tests/tools)."""
    register_configs()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise ConfigError(f"invalid config: {exc}") from exc
    return to_run_config(cfg)


def _literal(value: Any) -> Any:
    """``value`` with every ``${`` escaped, so OmegaConf reads strings verbatim."""
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    if isinstance(value, str):  # backslashes before ${ are doubled, then ${ escaped
        return _INTERPOLATION.sub(lambda m: m.group(1) * 2 + "\\${", value)
    return value


def config_from_dict(data: dict) -> DiagonConfig:
    """Rebuild a validated config from the plain dict stored in ``run.json``.

    That dict is already resolved: a string in it that reads like ``${oc.env:X}`` is a
    value (e.g. an environment variable's content at run time), never re-resolved, so a
    resumed run uses exactly the config the run started with whatever the environment
    holds now.
    """
    register_configs()
    schema = OmegaConf.structured(DiagonConfig)
    try:
        merged = OmegaConf.merge(schema, OmegaConf.create(_literal(data)))
    except OmegaConfBaseException as exc:
        raise ConfigError(f"invalid config in run.json: {exc}") from exc
    return to_run_config(merged)
