"""The run directory contract (DESIGN §6): run.json, events, checkpoints, tables."""

from diagon.rundir.checkpoints import (
    Checkpoint,
    CheckpointError,
    latest_checkpoint,
    resume_point,
    verify_log,
    write_checkpoint,
)
from diagon.rundir.lock import RunDirLockedError, run_dir_lock
from diagon.rundir.runjson import RUN_JSON_VERSION, read_run_json, write_json_atomic
from diagon.rundir.summary import RunSummary, summarise
from diagon.rundir.tables import write_tables

__all__ = [
    "RUN_JSON_VERSION",
    "Checkpoint",
    "CheckpointError",
    "RunDirLockedError",
    "RunSummary",
    "latest_checkpoint",
    "read_run_json",
    "resume_point",
    "run_dir_lock",
    "summarise",
    "verify_log",
    "write_checkpoint",
    "write_json_atomic",
    "write_tables",
]
