"""Task registry and sources: HumanEval and BFCL from their wheels, SkillsBench and ToolQA
from small fixtures written here in their layouts; catalogue for any source and mixes."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

import pytest

from diagon.config import compose_config
from diagon.sandboxes import UnsafeSandboxWarning
from diagon.tasks.base import TaskSourceError, prior_cost_usd, prior_pass_rate
from diagon.tasks.catalogue import catalogue_for, load_catalogue
from diagon.tasks.registry import collect_tasks, load_tasks, source_names
from diagon.tasks.run import run_reference
from diagon.tasks.sources.bfcl import reference_calls
from diagon.tasks.sources.skillsbench import cluster_for
from diagon.tasks.sources.toolqa import normalize_toolqa
from diagon.tasks.validate import validate_tasks


def test_registry_names_every_source_and_rejects_unknown() -> None:
    assert source_names() == ("bfcl", "builtin", "humaneval", "skillsbench", "toolqa")
    with pytest.raises(TaskSourceError, match="unknown task source 'nope'.*available: bfcl, builtin"):
        load_tasks("nope")


def test_humaneval_from_the_wheel() -> None:
    tasks = load_tasks("humaneval")
    assert len(tasks) == 164
    first = tasks[0]
    assert (first.id, first.source, first.cluster) == ("humaneval-000", "humaneval", "coding")
    assert first.files["solution.py"].decode().startswith("from typing import List")
    assert "has_close_elements" in first.instruction
    for t in tasks:
        assert 0.1 <= t.difficulty <= 0.6
        assert t.reference_cost_usd == prior_cost_usd(t.difficulty)
        assert t.pass_rate == prior_pass_rate(t.difficulty)


def test_bfcl_categories_from_the_wheel() -> None:
    tasks = load_tasks("bfcl")
    assert Counter(t.category for t in tasks) == {"simple": 400, "parallel": 200, "multi_turn": 200}
    by_id = {t.id: t for t in tasks}
    simple = by_id["bfcl-simple-python-0"]
    assert json.loads(simple.files["functions.json"])[0]["name"] == "calculate_triangle_area"
    multi = by_id["bfcl-multi-turn-base-0"]
    docs = {f["name"] for f in json.loads(multi.files["functions.json"])}
    assert {"cd", "mv", "mkdir", "post_tweet"} <= docs
    assert "GorillaFileSystem" in json.loads(multi.files["initial_state.json"])
    assert "## Turn 4" in multi.files["question.md"].decode()


def test_bfcl_reference_calls_pick_first_acceptable_values() -> None:
    truth = [{"f": {"a": [10], "b": ["", 0], "c": ["", "x"], "d": [{"k": ["v", "w"], "o": [""]}]}}]
    assert reference_calls(truth) == [{"f": {"a": 10, "b": 0, "c": "x", "d": {"k": "v"}}}]
    assert reference_calls([{"g": {"opt": [""]}}]) == [{"g": {}}]


# ------------------------------------------------------------------------- ToolQA fixture
def _toolqa(root: Path) -> Path:
    q = root / "data" / "questions"
    (q / "easy").mkdir(parents=True)
    (q / "hard").mkdir(parents=True)
    corpus = root / "data" / "external_corpus" / "coffee"
    corpus.mkdir(parents=True)
    (corpus / "coffee_price.csv").write_text("Date,Close\n2000-01-03,116.5\n2000-01-04,116.25\n")
    (q / "easy" / "coffee-easy.jsonl").write_text(
        json.dumps({"qid": "easy-coffee-0000", "question": "What was the coffee close on 2000-01-03?", "answer": "116.5"})
        + "\n"
        + json.dumps({"qid": "easy-coffee-0001", "question": "Which is the first date?", "answer": "The 2000-01-03"})
        + "\n"
    )
    (q / "hard" / "gsm8k-hard.jsonl").write_text(
        json.dumps({"qid": "hard-gsm8k-0000", "question": "2 + 2?", "answer": "4"}) + "\n"
    )
    return root


def test_toolqa_loader_layout_and_normalisation(tmp_path: Path) -> None:
    tasks = load_tasks("toolqa", _toolqa(tmp_path / "ToolQA"))
    assert [t.id for t in tasks] == ["toolqa-easy-coffee-0000", "toolqa-easy-coffee-0001", "toolqa-hard-gsm8k-0000"]
    assert [t.category for t in tasks] == ["easy", "easy", "hard"]
    assert tasks[0].cluster == "data_querying" and tasks[0].difficulty == 0.35
    assert tasks[0].mounts == (("corpus/coffee/", tmp_path / "ToolQA" / "data" / "external_corpus" / "coffee"),)
    assert tasks[0].dirs == () and tasks[2].mounts == ()  # the corpus is mounted, never copied
    assert normalize_toolqa("  The  Answer: 2000-01-03! ") == "answer 20000103"
    assert normalize_toolqa("An apple, a PEAR") == "apple pear"


def test_toolqa_validates_in_the_sandbox(tmp_path: Path) -> None:
    tasks = load_tasks("toolqa", _toolqa(tmp_path / "ToolQA"))
    results = validate_tasks(tasks, "bwrap", jobs=2)
    assert [(r.oracle.q, r.null.q) for r in results] == [(1.0, 0.0)] * 3
    assert results[0].null.detail == "answer.txt missing"


@pytest.mark.parametrize("backend", ["bwrap", "subprocess"])
def test_toolqa_corpus_is_mounted_not_copied(tmp_path: Path, backend: str) -> None:
    task = load_tasks("toolqa", _toolqa(tmp_path / "ToolQA"))[0]
    seen: dict[str, object] = {}

    def inspect(box) -> None:  # after the reference solution, before evaluation
        result = box.exec(["cat", "corpus/coffee/coffee_price.csv"])
        seen["cat"] = (result.exit_code, result.stdout)
        seen["host_read"] = box.read_file("corpus/coffee/coffee_price.csv")
        seen["host_files"] = sorted(
            p.relative_to(box.host_workdir).as_posix() for p in box.host_workdir.rglob("*") if p.is_file()
        )
        seen["point"] = box.host_workdir / "corpus" / "coffee"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnsafeSandboxWarning)
        oracle = run_reference(task, backend, with_solution=True, inspect=inspect)
    csv = b"Date,Close\n2000-01-03,116.5\n2000-01-04,116.25\n"
    assert oracle.q == 1.0
    assert seen["cat"] == (0, csv) and seen["host_read"] == csv
    assert seen["host_files"] == ["answer.txt"]  # no copy of the corpus in the work dir
    point = seen["point"]
    assert isinstance(point, Path) and not point.exists()  # the sandbox is gone, the corpus is not
    assert (tmp_path / "ToolQA" / "data" / "external_corpus" / "coffee" / "coffee_price.csv").read_bytes() == csv


def test_toolqa_version_follows_the_corpus(tmp_path: Path) -> None:
    from diagon.tasks.digest import clear_memo, task_digest

    root = _toolqa(tmp_path / "ToolQA")
    clear_memo()
    before = [task_digest(t) for t in load_tasks("toolqa", root)]
    assert before == [task_digest(t) for t in load_tasks("toolqa", _toolqa(tmp_path / "elsewhere"))]
    (root / "data" / "external_corpus" / "coffee" / "coffee_price.csv").write_text("Date,Close\n")
    clear_memo()
    after = [task_digest(t) for t in load_tasks("toolqa", root)]
    assert after[0] != before[0] and after[1] != before[1]
    assert after[2] == before[2]  # gsm8k has no corpus


def test_toolqa_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TaskSourceError, match=r"set tasks\.path=/path/to/ToolQA \(tasks\.paths\.toolqa=\.\.\. in a mix\)"):
        load_tasks("toolqa")
    with pytest.raises(TaskSourceError, match=r"data/questions does not exist"):
        load_tasks("toolqa", tmp_path / "missing")


# --------------------------------------------------------------------- SkillsBench fixture
TEST_OUTPUTS = '''
import json, pathlib

def _out():
    return json.loads(pathlib.Path("report.json").read_text())

def test_report_exists():
    assert pathlib.Path("report.json").is_file()

def test_total():
    assert _out()["total"] == 6

def test_count():
    assert _out()["count"] == 3
'''


def _skillsbench(root: Path, broken: bool = False) -> Path:
    task = root / "tasks" / "sum-numbers"
    (task / "environment").mkdir(parents=True)
    (task / "tests").mkdir()
    (task / "solution").mkdir()
    (task / "instruction.md").write_text("# Sum the numbers\n\nRead numbers.txt; write report.json.\n")
    (task / "task.toml").write_text(
        'version = "1.0"\n[metadata]\ndifficulty = "easy"\ncategory = "data-processing"\n'
        'tags = ["json"]\n[verifier]\ntimeout_sec = 60.0\n'
    )
    (task / "environment" / "Dockerfile").write_text(  # as SkillsBench's: WORKDIR /root
        "FROM python:3.11-slim\nRUN pip install --no-cache-dir pytest\nWORKDIR /root\n"
        "COPY numbers.txt /root/\n"
    )
    (task / "environment" / "numbers.txt").write_text("1\n2\n3\n")
    (task / "tests" / "test_outputs.py").write_text(TEST_OUTPUTS)
    total = "9" if broken else "sum(n)"
    (task / "solution" / "solve.sh").write_text(
        "python3 - <<'PY'\nimport json\nn=[int(x) for x in open('numbers.txt')]\n"
        f"json.dump({{'total': {total}, 'count': len(n)}}, open('report.json','w'))\nPY\n"
    )
    return root


def test_skillsbench_loader_layout(tmp_path: Path) -> None:
    (task,) = load_tasks("skillsbench", _skillsbench(tmp_path / "sb"))
    assert task.id == "skillsbench-sum-numbers"
    assert (task.cluster, task.difficulty, task.timeout_s) == ("data_science", 0.3, 60.0)
    assert task.sandbox == "docker" and task.docker_image is not None
    # as the image's user (root) in its WORKDIR (/root), where SkillsBench tests look
    assert task.sandbox_options == {"user": "image", "workdir": "image"}
    assert set(task.files) == {"numbers.txt"}  # the Dockerfile stays out of the work dir
    assert cluster_for("financial-analysis") == "documents_finance"
    assert cluster_for("control-systems") == "coding"


def test_skillsbench_image_tag_follows_the_environment(tmp_path: Path) -> None:
    from diagon.tasks.digest import clear_memo
    from diagon.tasks.sources.skillsbench import image_tag

    task_dir = _skillsbench(tmp_path / "sb") / "tasks" / "sum-numbers"
    first = image_tag(task_dir)
    assert re.fullmatch(r"diagon-skillsbench-sum-numbers:env-[0-9a-f]{16}", first)
    (task_dir / "instruction.md").write_text("# Another instruction\n")
    clear_memo()
    assert image_tag(task_dir) == first  # only environment/ decides the image
    (task_dir / "environment" / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY numbers.txt /workspace/\n")
    clear_memo()
    assert image_tag(task_dir) != first  # an edited Dockerfile builds a new image


def test_skillsbench_scores_passed_over_total(tmp_path: Path) -> None:
    (good,) = load_tasks("skillsbench", _skillsbench(tmp_path / "good"))
    (bad,) = load_tasks("skillsbench", _skillsbench(tmp_path / "bad", broken=True))
    ok, broken = validate_tasks([good, bad], "bwrap", jobs=2, override="bwrap")
    assert (ok.ok, ok.oracle.passed, ok.oracle.total, ok.null.q) == (True, 3, 3, 0.0)
    assert not broken.ok and broken.oracle.q == pytest.approx(2 / 3)
    assert broken.problem.startswith("oracle q=0.667")


@pytest.mark.docker
def test_skillsbench_against_an_engine(tmp_path: Path) -> None:
    """Oracle and null run in the task's own image, as root in /root (builds the image)."""
    docker = pytest.importorskip("docker")
    try:
        docker.from_env().ping()
    except Exception as exc:
        pytest.skip(f"no Docker engine: {exc}")
    root = _skillsbench(tmp_path / "sb")
    env = root / "tasks" / "sum-numbers" / "environment"
    # the base sandboxes/build-image bootstraps (python3 + pytest; Docker Hub is unreachable
    # here); a RUN step leaves a file the build context also has under that name
    (env / "Dockerfile").write_text(
        "FROM diagon-base:bookworm\nWORKDIR /root\nCOPY numbers.txt /root/\n"
        "RUN echo built > /root/stamp.txt\n"
    )
    (env / "stamp.txt").write_text("context\n")
    (task,) = load_tasks("skillsbench", root)
    seen: dict[str, object] = {}

    def inspect(box) -> None:
        seen["where"] = (box.workdir, box.exec(["id", "-u"]).stdout_text.strip())
        seen["report"] = box.exec(["cat", "/root/report.json"]).stdout_text
        seen["stamp"] = box.read_file("stamp.txt")

    oracle = run_reference(task, "bwrap", with_solution=True, inspect=inspect)
    assert oracle.q == 1.0, oracle.detail
    assert seen["where"] == ("/root", "0") and '"total": 6' in str(seen["report"])
    assert seen["stamp"] == b"built\n"  # what the image's RUN left, not the context's copy
    assert run_reference(task, "bwrap", with_solution=False).q == 0.0


def test_skillsbench_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TaskSourceError, match=r"set tasks\.path=/path/to/skillsbench.*tasks\.paths\.skillsbench=\.\.\. in a mix"):
        load_tasks("skillsbench")
    with pytest.raises(TaskSourceError, match=r"sb/tasks does not exist"):
        load_tasks("skillsbench", tmp_path / "sb")
    root = _skillsbench(tmp_path / "sb2")
    (root / "tasks" / "sum-numbers" / "tests" / "test_outputs.py").unlink()
    with pytest.raises(TaskSourceError, match=r"tests/test_outputs\.py is missing"):
        load_tasks("skillsbench", root)


# ---------------------------------------------------------------------------- catalogues
def test_catalogue_for_any_source_and_mixes(tmp_path: Path) -> None:
    assert len(load_catalogue("humaneval")) == 164
    assert load_catalogue("bfcl")["bfcl-parallel-3"].cluster == "coding"
    cfg = compose_config(["tasks=mix"])
    cat = catalogue_for(cfg.tasks)
    assert Counter(t.source for t in cat.tasks) == {"builtin": 50, "humaneval": 25, "bfcl": 75}
    cfg = compose_config(["tasks=toolqa", f"tasks.path={_toolqa(tmp_path / 'tq')}"])
    assert len(catalogue_for(cfg.tasks)) == 3
    spec = load_catalogue("humaneval")["humaneval-000"]
    assert spec.reference_cost == round(prior_cost_usd(spec.difficulty) * 1_000_000)
    with pytest.raises(TaskSourceError, match="duplicate task id"):
        collect_tasks(["humaneval", "humaneval"])
