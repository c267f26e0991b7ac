"""Checks of ``diagon run``'s arguments before Hydra creates any directory or starts a job.

Hydra creates the output directory before the task runs and starts sweep jobs one by one,
so a bad value would otherwise surface as a Hydra traceback, or after some jobs of a
sweep already ran. Here every job of a sweep (``-m``) is composed and validated first, a
group set to ``null`` is refused by name, and the run or sweep directory must be
writable. Each problem is one line (:class:`PreRunError`); the caller prints it and
exits 2 before any work.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from diagon.config.load import to_run_config
from diagon.config.schema import ConfigError, DiagonConfig, as_plain
from diagon.config.store import conf_dir, register_configs

# flags after which Hydra does not run a market (help, printing the config, completion)
_NO_RUN_FLAGS = frozenset(
    {"-h", "--help", "--hydra-help", "-c", "--cfg", "-i", "--info", "-p", "--package",
     "-sc", "--shell-completion", "-cp", "--config-path", "-cn", "--config-name",
     "-cd", "--config-dir", "--resolve", "--experimental-rerun"}
)  # fmt: skip
_MULTIRUN_FLAGS = frozenset({"-m", "--multirun"})


class PreRunError(ValueError):
    """An argument of ``diagon run`` cannot give a run; the message is one line."""


def check_run_args(args: Sequence[str]) -> list[DiagonConfig] | None:
    """Validate every job ``diagon run args`` would start; None when no market would run.

    Returns the validated configs (one per sweep job, or one). Raises
    :class:`PreRunError` naming the override, job or directory at fault.
    """
    if any(a.split("=", 1)[0] in _NO_RUN_FLAGS for a in args):
        return None
    multirun = any(a in _MULTIRUN_FLAGS for a in args)
    overrides = [a for a in args if a not in _MULTIRUN_FLAGS]
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise PreRunError(_one_line(exc)) from None
    groups = _groups()
    for o in parsed:
        if o.key_or_group in groups and o.value() is None and o.input_line.split("=", 1)[-1]:
            raise PreRunError(
                f"`{o.input_line}`: Hydra reads `null` as 'no value', not an option name;"
                f" {o.key_or_group} options: {', '.join(groups[o.key_or_group])}"
            )
    if multirun:
        axes = [
            [f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()]
            if o.is_sweep_override()
            else [o.input_line]
            for o in parsed
        ]
        jobs = [list(combo) for combo in itertools.product(*axes)]
    else:
        jobs = [overrides]
    configs = [_job_config(job, len(jobs) > 1) for job in jobs]
    _check_output_dir(jobs[0], multirun)
    return configs


def check_jobs_runnable(configs: Sequence[DiagonConfig]) -> None:
    """Run the runner's pre-run checks for every distinct job of a sweep (seeds aside)."""
    from diagon.run_checks import check_runnable
    from diagon.runner import RunError

    seen: set[str] = set()
    for cfg in configs:
        plain = as_plain(cfg)
        plain.pop("seed")
        fingerprint = json.dumps(plain, sort_keys=True, default=str)
        if fingerprint in seen:
            continue
        seen.add(fingerprint)
        try:
            check_runnable(cfg)
        except (ConfigError, RunError) as exc:
            raise PreRunError(f"sweep job `{cfg.experiment} seed={cfg.seed}`: {_one_line(exc)}") from None


def _groups() -> dict[str, list[str]]:
    """Config groups of ``conf/`` and their options (``worker`` -> llm, noop, …)."""
    root = conf_dir()
    return {
        d.name: sorted(p.stem for p in d.glob("*.yaml"))
        for d in sorted(root.iterdir())
        if d.is_dir()
    }


def _compose(overrides: list[str], *, hydra: bool) -> object:
    register_configs()
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=hydra)


def _job_config(job: list[str], name_job: bool) -> DiagonConfig:
    where = f"sweep job `{' '.join(job)}`: " if name_job else ""
    try:
        return to_run_config(_compose(job, hydra=False))  # type: ignore[arg-type]
    except (HydraException, OmegaConfBaseException, ConfigError) as exc:
        raise PreRunError(f"{where}{_one_line(exc)}") from None


def _check_output_dir(job: list[str], multirun: bool) -> None:
    """The run (or sweep) directory, or its nearest existing parent, must be writable."""
    try:
        hydra = _compose(job, hydra=True).hydra  # type: ignore[attr-defined]
        target = Path(str(OmegaConf.select(hydra, "sweep.dir" if multirun else "run.dir")))
    except (HydraException, OmegaConfBaseException) as exc:
        raise PreRunError(f"output directory: {_one_line(exc)}") from None
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    parent = target.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise PreRunError(f"cannot create the output directory {target} ({key}): {parent} is not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".diagon-probe-", dir=parent))
    except OSError as exc:
        raise PreRunError(
            f"cannot create the output directory {target} ({key}): {parent} is not writable ({exc.strerror})"
        ) from None


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line (Hydra's and OmegaConf's span several)."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    cause = exc.__cause__
    if cause is not None and str(cause).strip():
        # Hydra wraps the reason (e.g. "Value 'x' of type 'str' could not be converted")
        text = f"{text}: {str(cause).strip().splitlines()[0]}"
    return text or type(exc).__name__
