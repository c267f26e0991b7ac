import pathlib
import random
import re
import time

import pytest
import untrusted

EXPECTED_DIFF = '--- old.txt\n+++ new.txt\n@@ -1,15 +1,14 @@\n+header line\n line 00: lambda iota epsilon mu\n line 01: mu lambda alpha theta\n line 02: kappa delta beta xi\n-line 03: mu kappa gamma zeta\n+line 03: CHANGED\n line 04: delta alpha eta lambda\n line 05: alpha theta kappa kappa\n line 06: xi nu eta omicron\n line 07: mu xi theta beta\n line 08: tau iota mu iota\n line 09: nu theta eta sigma\n-line 10: epsilon xi beta nu\n-line 11: alpha lambda rho nu\n line 12: mu delta xi omicron\n line 13: lambda beta delta tau\n line 14: zeta beta kappa lambda\n@@ -20,6 +19,8 @@\n line 19: iota iota alpha omicron\n line 20: iota epsilon gamma theta\n line 21: lambda mu omicron omicron\n+inserted after 20\n+inserted again\n line 22: nu beta gamma kappa\n line 23: theta zeta pi xi\n line 24: zeta zeta kappa beta\n@@ -28,7 +29,7 @@\n line 27: delta kappa alpha mu\n line 28: eta zeta eta lambda\n line 29: epsilon xi gamma mu\n-line 30: lambda xi iota gamma\n+LINE 30: LAMBDA XI IOTA GAMMA\n line 31: beta xi tau pi\n line 32: sigma kappa kappa theta\n line 33: xi sigma zeta gamma\n@@ -42,7 +43,6 @@\n line 41: delta omicron zeta alpha\n line 42: beta rho iota beta\n line 43: xi kappa eta alpha\n-line 44: omicron kappa zeta zeta\n line 45: iota nu beta zeta\n line 46: delta alpha lambda epsilon\n line 47: kappa delta sigma lambda\n@@ -58,3 +58,4 @@\n line 57: gamma alpha zeta alpha\n line 58: sigma xi alpha kappa\n line 59: nu zeta sigma iota\n+trailer line\n'


def load():
    path = pathlib.Path.cwd() / "linediff.py"
    if not path.is_file():
        pytest.fail("linediff.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def lcs(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def apply_unified(text, old):
    """Apply a unified diff strictly (headers must match the hunk bodies)."""
    lines = text.splitlines(keepends=True)
    assert all(line.endswith("\n") for line in lines)
    assert lines[0].startswith("--- ") and lines[1].startswith("+++ ")
    out, pos, i = [], 0, 2
    while i < len(lines):
        m = re.fullmatch(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n", lines[i])
        assert m, lines[i]
        s1, c1 = int(m[1]), int(m[2] or 1)
        c2 = int(m[4] or 1)
        start = s1 - 1 if c1 else s1
        assert start >= pos
        out.extend(old[pos:start])
        pos = start
        i += 1
        n1 = n2 = 0
        while i < len(lines) and not lines[i].startswith("@@"):
            tag, body = lines[i][0], lines[i][1:-1]
            if tag in " -":
                assert old[pos] == body
                pos += 1
                n1 += 1
            if tag in " +":
                out.append(body)
                n2 += 1
            assert tag in " -+"
            i += 1
        assert (n1, n2) == (c1, c2)
    return out + old[pos:]


def check_script(ops, a, b):
    ops = [tuple(o) for o in ops]
    assert [x for t, x in ops if t in " -"] == a
    assert [x for t, x in ops if t in " +"] == b
    assert sum(t != " " for t, _ in ops) == len(a) + len(b) - 2 * lcs(a, b)
    for i in range(1, len(ops)):
        assert not (ops[i - 1][0] == "+" and ops[i][0] == "-"), "deletions must precede insertions"


def test_changes_diff_applies():
    old = pathlib.Path("old.txt").read_text().splitlines()
    new = pathlib.Path("new.txt").read_text().splitlines()
    path = pathlib.Path("changes.diff")
    assert path.is_file(), "changes.diff missing"
    assert apply_unified(path.read_text(), old) == new


def test_changes_diff_exact():
    path = pathlib.Path("changes.diff")
    assert path.is_file(), "changes.diff missing"
    assert path.read_text() == EXPECTED_DIFF


def test_diff_random_cases_minimal():
    m = load()
    rng = random.Random(7)
    for _ in range(300):
        a = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        b = [rng.choice("abcd") for _ in range(rng.randint(0, 12))]
        check_script(m.diff(a, b), a, b)


def test_diff_edge_cases():
    m = load()
    for a, b in [([], []), ([], ["x"]), (["x"], []), (["x", "y"], ["x", "y"]), (["a", "b"], ["b", "a"])]:
        check_script(m.diff(a, b), a, b)


def test_unified_edges():
    m = load()
    assert m.unified(["same"], ["same"]) == ""
    assert m.unified([], ["x"]) == "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n"
    assert m.unified(["x"], [], "f", "g") == "--- f\n+++ g\n@@ -1 +0,0 @@\n-x\n"


def test_unified_context_and_hunk_merging():
    m = load()
    a = list("abcdefghijklmnop")
    b = list(a)
    b[2], b[9] = "C", "J"
    assert m.unified(a, b, context=1) == "--- a\n+++ b\n@@ -2,3 +2,3 @@\n b\n-c\n+C\n d\n@@ -9,3 +9,3 @@\n i\n-j\n+J\n k\n"
    assert m.unified(a, b, context=0) == "--- a\n+++ b\n@@ -3 +3 @@\n-c\n+C\n@@ -10 +10 @@\n-j\n+J\n"
    merged = m.unified(a, b, context=3)
    assert merged.count("@@ -") == 1 and merged.startswith("--- a\n+++ b\n@@ -1,13 +1,13 @@\n")


def test_unified_random_cases_apply():
    m = load()
    rng = random.Random(11)
    for _ in range(100):
        a = [rng.choice("abcdef") for _ in range(rng.randint(0, 30))]
        b = [rng.choice("abcdef") for _ in range(rng.randint(0, 30))]
        text = m.unified(a, b, context=rng.randint(0, 3))
        assert (text == "") == (a == b)
        if text:
            assert apply_unified(text, a) == b


def test_performance_large_input():
    m = load()
    rng = random.Random(3)
    a = [f"row {i} {rng.random():.6f}" for i in range(5000)]
    b = list(a)
    for _ in range(30):
        i = rng.randrange(len(b))
        if rng.random() < 0.5:
            b[i] = b[i] + " edited"
        else:
            b.insert(i, "new line")
    start = time.perf_counter()
    ops = [tuple(o) for o in m.diff(a, b)]
    assert time.perf_counter() - start < 5.0
    assert [x for t, x in ops if t in " -"] == a and [x for t, x in ops if t in " +"] == b
    assert sum(t != " " for t, _ in ops) <= 60
