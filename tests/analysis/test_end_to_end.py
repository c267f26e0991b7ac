"""End to end: small generated runs -> `diagon compare`, `diagon report`, and the notebooks."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

from diagon.cli import main
from diagon.config import compose_config
from diagon.runner import execute_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """Two seeds each of baseline and autarky, small population, 4 rounds."""
    root = tmp_path_factory.mktemp("sweep")
    for experiment in ("baseline", "autarky"):
        for seed in (0, 1):
            cfg = compose_config([f"experiment={experiment}", f"seed={seed}", "population=small", "rounds=4"])
            execute_run(cfg, root / f"{experiment}_s{seed}")
    return root


def test_compare_cli_writes_table(sweep: Path, capsys) -> None:
    assert main(["compare", str(sweep)]) == 0
    out = capsys.readouterr().out
    md = (sweep / "compare.md").read_text()
    assert md in out
    assert md.splitlines()[0] == (
        "| Metric | baseline (n=2 runs) | autarky (n=2 runs) | baseline vs autarky: Cohen's d of run values "
        "(n=2 vs 2 runs) | Welch p (runs) | per-unit Cohen's d [95% CI, bootstrap over runs] (unit, n) |")
    for label in ("Mean wealth ($)", "Wealth Gini, all agents (wealth_gini_all)",
                  "Wealth Gini, active agents (wealth_gini_active)", "Mean quality", "Task success rate",
                  "Contract Gini, all agents (contract_gini_all)", "Dispute / fail rate", "Role specialisation",
                  "Seed CV of mean wealth"):
        assert f"| {label} |" in md
    csv = (sweep / "compare.csv").read_text()
    assert "baseline vs autarky d" in csv and "Mean wealth ($)" in csv
    assert len((sweep / "compare_seeds.csv").read_text().splitlines()) == 5


def test_report_cli_is_self_contained(sweep: Path) -> None:
    assert main(["report", str(sweep / "baseline_s0"), str(sweep / "autarky_s1")]) == 0
    page = (sweep / "baseline_s0" / "report.html").read_text()
    assert "SYNTHETIC execution" in page and "SCRIPTED traders" in page
    assert not re.search(r"(src|href)=[\"']https?:", page)  # no network assets
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 8 and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    for section in ("Payment ratio by quality bin", "False disputes", "Dispute prediction", "Reciprocity"):
        assert section in page
    assert "Language-model decisions" not in page  # scripted traders: no llm_calls table
    autarky = (sweep / "autarky_s1" / "report.html").read_text()
    assert "no-market (autarky) baseline" in autarky


def test_cli_errors_clearly_on_a_non_run(tmp_path: Path, capsys) -> None:
    assert main(["compare", str(tmp_path)]) == 2
    assert "no run.json" in capsys.readouterr().out


NOTEBOOKS = sorted((ROOT / "analysis").glob("*.ipynb"))
PLOTTING = {"lemons_and_disputes", "market_vs_autarky"}  # notebooks that draw figures


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(notebook: Path, sweep: Path, monkeypatch) -> None:
    """As `jupyter lab` runs it: kernel in analysis/, no MPLBACKEND forced — figures must show."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if notebook.stem == "language" and importlib.util.find_spec("sentence_transformers") is None:
        pytest.skip("text extra not installed")
    monkeypatch.setenv("DIAGON_RUN_DIRS", os.pathsep.join([str(sweep / "baseline_s0"), str(sweep / "autarky_s0")]))
    monkeypatch.setenv("DIAGON_PERMUTATIONS", "50")
    for var in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    nb = nbformat.read(notebook, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert "2 completed runs:" in "".join(o.get("text", "") for o in nb.cells[1].outputs)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if notebook.stem in PLOTTING:
        assert len(images) >= 2  # the figures are displayed, not drawn to a hidden Agg canvas
    assert not [o for o in outputs if "non-interactive" in str(o.get("text", ""))]


def test_notebook_run_dirs_resolve_against_the_project_root(tmp_path, monkeypatch) -> None:
    from diagon.analysis import notebook_run_dirs, project_root

    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "config.yaml").write_text("seed: 0\n")
    (tmp_path / "analysis").mkdir()
    monkeypatch.chdir(tmp_path / "analysis")  # where Jupyter starts a notebook's kernel
    monkeypatch.delenv("DIAGON_RUN_DIRS", raising=False)
    assert project_root() == tmp_path.resolve()
    assert notebook_run_dirs() == [tmp_path.resolve() / "runs"]
    monkeypatch.setenv("DIAGON_RUN_DIRS", os.pathsep.join(["multirun/d1", "/abs/run"]))
    assert notebook_run_dirs() == [tmp_path.resolve() / "multirun/d1", Path("/abs/run")]


def test_jupyter_lab_is_installed_with_the_project() -> None:
    """`make setup` installs the `notebooks` extra (part of `all`): `jupyter lab` opens them."""
    lab = Path(sys.executable).parent / "jupyter-lab"
    out = subprocess.run([str(lab), "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().split(".")[0] == "4"


def test_agg_is_forced_only_when_nothing_can_show_a_figure(monkeypatch) -> None:
    import matplotlib

    from diagon.analysis import plots

    monkeypatch.setattr(matplotlib, "use", lambda backend: None)  # observe the choice, switch nothing
    for var in ("MPLBACKEND", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert plots.choose_backend() == "Agg"  # headless: a GUI backend would fail
    monkeypatch.setenv("DISPLAY", ":0")
    assert plots.choose_backend() is None
    monkeypatch.delenv("DISPLAY")
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert plots.choose_backend() is None  # Jupyter: its inline backend shows the figures
    monkeypatch.delitem(sys.modules, "ipykernel")
    monkeypatch.setenv("MPLBACKEND", "pdf")
    assert plots.choose_backend() is None  # the user's choice
