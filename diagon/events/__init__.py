"""Typed market events and the append-only event log."""

from diagon.events.log import (
    EventLogError,
    EventWriter,
    LogPosition,
    comparable_lines,
    encode,
    read_events,
    strip_time,
    truncate_to,
)
from diagon.events.types import *  # noqa: F403 - the event classes are the public API
from diagon.events.types import EVENT_TYPES, SCHEMA_VERSION, TIME_FIELDS, AgentInfo, AnyEvent, Event

__all__ = [
    "EVENT_TYPES",
    "AgentInfo",
    "SCHEMA_VERSION",
    "TIME_FIELDS",
    "AnyEvent",
    "Event",
    "EventLogError",
    "EventWriter",
    "LogPosition",
    "comparable_lines",
    "encode",
    "read_events",
    "strip_time",
    "truncate_to",
] + [cls.__name__ for cls in EVENT_TYPES]
