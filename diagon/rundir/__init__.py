"""The run directory contract (DESIGN §6): run.json, events, checkpoints, tables."""

from diagon.rundir.checkpoints import Checkpoint, latest_checkpoint, write_checkpoint
from diagon.rundir.runjson import RUN_JSON_VERSION, read_run_json, write_json_atomic
from diagon.rundir.summary import RunSummary, summarise
from diagon.rundir.tables import write_tables

__all__ = [
    "RUN_JSON_VERSION",
    "Checkpoint",
    "RunSummary",
    "latest_checkpoint",
    "read_run_json",
    "summarise",
    "write_checkpoint",
    "write_json_atomic",
    "write_tables",
]
