import csv
import math
import pathlib

import pytest
import untrusted

EXPECTED = [
    ["Arden", "Dunmore", "35.0", "Arden>Bexley>Calder>Dunmore"],
    ["Arden", "Fenwick", "53.0", "Arden>Bexley>Calder>Dunmore>Fenwick"],
    ["Harlow", "Arden", "73.0", "Harlow>Fenwick>Dunmore>Calder>Bexley>Arden"],
    ["Dunmore", "Elston", "5.0", "Dunmore>Elston"],
    ["Glenrock", "Elston", "47.0", "Glenrock>Harlow>Fenwick>Elston"],
    ["Arden", "Iverton", "unreachable", ""],
    ["Kelso", "Kelso", "0.0", "Kelso"],
    ["Elston", "Arden", "40.0", "Elston>Dunmore>Calder>Bexley>Arden"],
]


def load():
    path = pathlib.Path.cwd() / "routes.py"
    if not path.is_file():
        pytest.fail("routes.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def read_answers():
    path = pathlib.Path("answers.csv")
    assert path.is_file(), "answers.csv missing"
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["origin", "destination", "minutes", "path"]
    return rows[1:]


def test_answers_reachable_costs():
    rows = read_answers()
    assert [r[:3] for r in rows] == [e[:3] for e in EXPECTED]


def test_answers_paths():
    rows = read_answers()
    assert [r[3] if len(r) > 3 else "" for r in rows] == [e[3] for e in EXPECTED]


def test_load_graph_parallel_and_oneway():
    m = load()
    g = m.load_graph("roads.csv")
    assert g["Bexley"]["Dunmore"] == 24
    assert g["Dunmore"]["Bexley"] == 30
    assert "Calder" not in g["Elston"]
    assert g["Elston"]["Dunmore"] == 5 and g["Dunmore"]["Elston"] == 5


def test_shortest_path_basic_and_same_node():
    m = load()
    g = m.load_graph("roads.csv")
    cost, path = m.shortest_path(g, "Arden", "Calder")
    assert cost == pytest.approx(21) and list(path) == ["Arden", "Bexley", "Calder"]
    assert tuple(m.shortest_path(g, "Iverton", "Iverton")) == (0, ["Iverton"])


def test_unreachable_and_unknown():
    m = load()
    g = m.load_graph("roads.csv")
    cost, path = m.shortest_path(g, "Jessop", "Arden")
    assert math.isinf(cost) and list(path) == []
    with pytest.raises(KeyError):
        m.shortest_path(g, "Atlantis", "Arden")


def test_tie_prefers_fewer_towns():
    m = load()
    g = {"s": {"a": 1, "t": 3}, "a": {"b": 1}, "b": {"t": 1}, "t": {}}
    assert list(m.shortest_path(g, "s", "t")[1]) == ["s", "t"]


def test_tie_prefers_lexicographically_smaller():
    m = load()
    g = {"s": {"y": 2, "x": 2, "z": 1}, "x": {"t": 2}, "y": {"t": 2}, "z": {"w": 3}, "w": {}, "t": {}}
    cost, path = m.shortest_path(g, "s", "t")
    assert cost == 4 and list(path) == ["s", "x", "t"]
