"""Traders registered by name (``@trader("scripted")``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from diagon.traders.base import Trader

TraderFactory = Callable[..., Trader]
_REGISTRY: dict[str, TraderFactory] = {}


def trader(name: str) -> Callable[[TraderFactory], TraderFactory]:
    """Register a factory ``factory(config, agent) -> Trader`` under ``name``."""

    def decorate(factory: TraderFactory) -> TraderFactory:
        if name in _REGISTRY:
            raise ValueError(f"trader {name!r} registered twice")
        _REGISTRY[name] = factory
        return factory

    return decorate


def _load_plugins() -> None:
    """Import the modules named by the ``diagon.traders`` entry points (their ``@trader``
    decorators register them), so a trader in another package is selectable by name."""
    from importlib.metadata import entry_points

    for point in entry_points(group="diagon.traders"):
        if point.name not in _REGISTRY:
            point.load()


def create_trader(name: str, **kwargs: Any) -> Trader:
    import diagon.traders.llm  # noqa: F401 - registers the builtin traders
    import diagon.traders.scripted  # noqa: F401

    if name not in _REGISTRY:
        _load_plugins()
    if name not in _REGISTRY:
        raise ValueError(
            f"no trader for model backend {name!r} (model.backend / model.trader);"
            f" available: {sorted(_REGISTRY)}"
        )
    return _REGISTRY[name](**kwargs)
