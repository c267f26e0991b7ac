import pathlib

import pytest
import untrusted


def load():
    path = pathlib.Path.cwd() / "intervals.py"
    if not path.is_file():
        pytest.fail("intervals.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def norm(xs):
    return [tuple(x) for x in xs]


def test_merge_sorted_input():
    m = load()
    assert norm(m.merge([(1, 3), (2, 6), (8, 10), (15, 18)])) == [(1, 6), (8, 10), (15, 18)]


def test_merge_unsorted_input():
    m = load()
    assert norm(m.merge([(8, 10), (1, 3), (15, 18), (2, 6)])) == [(1, 6), (8, 10), (15, 18)]


def test_merge_touching_and_contained():
    m = load()
    assert norm(m.merge([(1, 4), (4, 5)])) == [(1, 5)]
    assert norm(m.merge([(1, 10), (2, 3), (4, 5)])) == [(1, 10)]
    assert norm(m.merge([])) == []


# runs next to the worker's code: its list is the one merge() gets (a copy would hide mutation)
AFTER_MERGE = "data = [(5, 6), (1, 2)]\nmerge(data)\nresult = data"


def test_merge_does_not_mutate_and_accepts_iterables():
    m = load()
    assert untrusted.run(AFTER_MERGE, merge=m.merge) == [(5, 6), (1, 2)]
    iterator = untrusted.run("result = iter([(3, 4), (0, 1)])")
    assert norm(m.merge(iterator)) == [(0, 1), (3, 4)]


def test_merge_rejects_reversed():
    m = load()
    with pytest.raises(ValueError):
        m.merge([(1, 2), (5, 3)])


def test_insert_does_not_mutate():
    m = load()
    data = [(1, 2), (6, 9)]
    assert norm(m.insert(data, (2, 5))) == [(1, 5), (6, 9)]
    kept = untrusted.run("data = [(1, 2), (6, 9)]\ninsert(data, (2, 5))\nresult = data", insert=m.insert)
    assert kept == [(1, 2), (6, 9)]


def test_total_covered_counts_overlap_once():
    m = load()
    assert m.total_covered([(0, 10), (5, 15), (20, 25)]) == 20
    assert m.total_covered([(1.5, 2.5), (2.0, 3.0)]) == pytest.approx(1.5)


def test_gaps_basic():
    m = load()
    assert norm(m.gaps([(2, 3), (5, 7)], 0, 10)) == [(0, 2), (3, 5), (7, 10)]


def test_gaps_intervals_outside_window():
    m = load()
    assert norm(m.gaps([(-5, 1), (4, 6), (9, 20)], 0, 10)) == [(1, 4), (6, 9)]
    assert norm(m.gaps([(20, 30)], 0, 10)) == [(0, 10)]
    assert norm(m.gaps([(-3, -1), (0, 10)], 0, 10)) == []
