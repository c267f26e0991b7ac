"""Analysis of run directories: loading, per-run metrics, lemons and disputes, comparison,
language, language-model decisions of LLM traders, plots and the HTML report. Reads run directories only (never live objects).

The statistics need the ``analysis`` extra (``pip install -e '.[analysis]'``); the language
analysis needs the ``text`` extra (see :mod:`diagon.analysis.text`).
"""

from __future__ import annotations

import importlib.util

from diagon.analysis.load import (
    RunData,
    find_run_dirs,
    group_runs,
    load_run,
    load_runs,
    notebook_run_dirs,
    project_root,
)

__all__ = ["RunData", "find_run_dirs", "group_runs", "load_run", "load_runs", "notebook_run_dirs", "project_root",
           "require_analysis"]

_ANALYSIS_MODULES = ("scipy", "statsmodels", "sklearn", "matplotlib", "networkx")


class MissingExtraError(ImportError):
    """An optional dependency group is not installed."""


def require_analysis() -> None:
    """Raise a clear error when the ``analysis`` extra is not installed."""
    missing = [m for m in _ANALYSIS_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError(
            f"the analysis needs {', '.join(missing)}: pip install -e '.[analysis]'"
        )
