"""`diagon report` on damaged, unfinished and failed runs; --out; one bad dir in a batch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from diagon.analysis import load_run, metrics, plots
from diagon.analysis.report import render_report
from diagon.cli import main
from diagon.config import compose_config
from diagon.runner import execute_run
from tests.analysis.rundirs import write_run


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("small") / "baseline_s0"
    execute_run(compose_config(["population=small", "rounds=3", "seed=0"]), run_dir)
    return run_dir


def _status(run_dir: Path, status: str, error: str | None = None) -> None:
    meta = json.loads((run_dir / "run.json").read_text())
    meta["status"], meta["error"] = status, error
    (run_dir / "run.json").write_text(json.dumps(meta))


def test_run_failed_in_round_one_reports_what_it_could_not_draw(tmp_path) -> None:
    run_dir = write_run(tmp_path / "failed", [], [])  # the tables of a run that died in round 1
    _status(run_dir, "failed", "struct.error: argument out of range")
    page = render_report(load_run(run_dir))
    assert page.not_drawn == [
        "headline metrics, tables and figures: the run recorded no completed round (tables/agents_rounds has no row)",
        "market analyses: no market transaction settled in this run",
    ]
    assert "run status failed (struct.error: argument out of range): this report covers rounds 0–0 only" in page.html
    assert "Economic parameters (paper Table 2)" in page.html and "Not drawn (2):" in page.html


def test_half_written_run_is_read_from_its_events(small_run: Path, tmp_path) -> None:
    killed = tmp_path / "killed"
    shutil.copytree(small_run, killed)
    shutil.rmtree(killed / "tables")
    _status(killed, "running")
    with pytest.raises(FileNotFoundError, match="not finished"):
        load_run(killed)
    partial, full = load_run(killed, partial=True), load_run(small_run)
    assert partial.source == "events" and full.source == "tables"
    assert metrics.run_metrics(partial) == metrics.run_metrics(full)  # the same numbers, from the events
    assert main(["report", str(killed)]) == 0
    page = (killed / "report.html").read_text()
    assert "tables/ was never written: the tables were replayed from events.jsonl" in page
    assert "run status running" in page and "Not drawn" not in page


def test_a_torn_last_event_line_is_left_out(small_run: Path, tmp_path) -> None:
    killed = tmp_path / "torn"
    shutil.copytree(small_run, killed)
    shutil.rmtree(killed / "tables")
    _status(killed, "running")
    events = killed / "events.jsonl"
    whole = events.read_bytes()
    events.write_bytes(whole + b'{"type": "RoundStar')  # the writer was killed mid-line
    run = load_run(killed, partial=True)
    assert run.source == "events (torn last line ignored)"
    assert metrics.run_metrics(run) == metrics.run_metrics(load_run(small_run))
    assert events.read_bytes() == whole + b'{"type": "RoundStar'  # the run dir is left as it was
    assert main(["report", str(killed)]) == 0
    assert "(events (torn last line ignored))" in (killed / "report.html").read_text()


def test_one_broken_figure_does_not_lose_the_report(small_run: Path, monkeypatch) -> None:
    def boom(run):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    monkeypatch.setitem(plots.FIGURES, "gini", boom)
    page = render_report(load_run(small_run), reciprocity_samples=5)
    assert page.not_drawn == ["figure gini: RuntimeError: boom"]
    assert page.html.count('src="data:image/png;base64,') == len(plots.FIGURES) - 1
    assert "Headline metrics" in page.html and "Reciprocity" in page.html


def test_batch_goes_on_past_a_bad_dir_and_out_collects_reports(small_run: Path, tmp_path, capsys) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("{")
    out = tmp_path / "reports"
    assert main(["report", str(bad), str(small_run), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert f"error: no report for {bad.resolve()}: ValueError: {bad.resolve()}/run.json: corrupt run.json" in text
    assert "1 of 2 report(s) written" in text
    assert sorted(p.name for p in out.iterdir()) == ["baseline_s0.html"]
    assert not (small_run / "report.html").exists()  # --out: nothing written into the run dir
    # two runs of one name cannot share --out
    twin = tmp_path / "other" / "baseline_s0"
    shutil.copytree(small_run, twin)
    assert main(["report", str(small_run), str(twin), "--out", str(out)]) == 2
    assert "would both write baseline_s0.html" in capsys.readouterr().out


def test_report_shows_parameters_definitions_and_built_in_effects(small_run: Path) -> None:
    page = render_report(load_run(small_run), reciprocity_samples=5).html
    for row in ("m task multiplier (economy.task_multiplier)</th><td>10", "f platform fee (economy.platform_fee)</th><td>0.0500",
                "ρ_min payment floor (economy.payment_floor)</th><td>0.5000",
                "θ_d dispute threshold (economy.dispute_threshold)</th><td>0.7000",
                "E evolution period, rounds (evolution.period)</th><td>6",
                "k agents replaced per event (evolution.replace)</th><td>1"):
        assert row in page
    assert "Built in by the script (scripted traders)" in page and "sigmoid(12(s − 0.5))" in page
    m = metrics.run_metrics(load_run(small_run))
    assert f"wealth Gini, all agents incl. deactivated (wealth_gini_all)</th><td>{m['wealth_gini_all']:.3f}" in page
    assert f"wealth Gini, active agents (wealth_gini_active)</th><td>{m['wealth_gini_active']:.3f}" in page
