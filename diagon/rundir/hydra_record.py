"""``.hydra/``: the composed config, Hydra's config and the overrides of a run.

Hydra writes these before the task function runs, so a ``diagon run`` refused because
its directory already holds a run would overwrite that run's record, and they would
hold any API key given on the command line. ``conf/config.yaml`` therefore sets
``hydra.output_subdir: null`` and Diagon writes the same three files itself, after the
run directory is locked and checked, with secrets replaced by ``<redacted>``
(:func:`diagon.config.secrets.redact`) and never through a link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from diagon.config.secrets import redact
from diagon.files import ensure_dir, write_text

SUBDIR = ".hydra"


def _yaml(node: Any) -> str:
    plain = OmegaConf.to_container(node, resolve=False) if OmegaConf.is_config(node) else node
    return OmegaConf.to_yaml(OmegaConf.create(redact(plain)))


def write_hydra_record(run_dir: Path, task_cfg: DictConfig, hydra_cfg: DictConfig) -> Path:
    """Write ``config.yaml``, ``hydra.yaml`` and ``overrides.yaml`` under ``run_dir/.hydra``.

    ``hydra_cfg`` is Hydra's own node (``HydraConfig.get()``); it is stored under a
    ``hydra`` key as Hydra does. Interpolations stay unresolved, as in Hydra's files.
    """
    folder = ensure_dir(run_dir / SUBDIR)
    write_text(folder / "config.yaml", _yaml(task_cfg))
    write_text(folder / "hydra.yaml", _yaml({"hydra": OmegaConf.to_container(hydra_cfg, resolve=False)}))
    write_text(folder / "overrides.yaml", _yaml(list(hydra_cfg.overrides.task)))
    return folder
