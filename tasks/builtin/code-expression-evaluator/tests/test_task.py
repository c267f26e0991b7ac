import pathlib
import re

import pytest
import untrusted

RESULTS = ["7", "9", "512", "-4", "4", "4", "-4", "2.5", "145.83333333333334", "2163.17", "2", "27.5"]


def load():
    path = pathlib.Path.cwd() / "calc.py"
    if not path.is_file():
        pytest.fail("calc.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_results_file():
    path = pathlib.Path("results.txt")
    assert path.is_file(), "results.txt missing"
    assert [x.strip() for x in path.read_text().splitlines() if x.strip()] == RESULTS


def test_no_eval_or_ast():
    load()
    src = pathlib.Path("calc.py").read_text()
    assert not re.search(r"(?<![\w.])(eval|exec|compile)\s*\(", src)
    assert not re.search(r"^\s*(import\s+ast|from\s+ast\s+import)", src, re.M)


CASES = ["1+2*3", "(1+2)*3", "2**3**2", "-2**2", "(-2)**2", "2**-1", "--3", "-+-4", "7//2", "-7//2",
         "7%3", "-7%3", "7.5//2", "10/4", "8/2", "1 - 2 - 3", "2*3%4", "100//7*7+100%7", "1e3+2.5E-2",
         ".5*4", "2.*3", "((((1))))", "3 - -3", "2 ** 0.5", "abs(-3)*max(1, 2, 3)", "round(2.675, 2)",
         "round(7.5)", "min(4, 2+1)"]


def test_matches_python_semantics():
    m = load()
    for expr in CASES:
        got, want = m.evaluate(expr), eval(expr)
        assert got == want and type(got) is type(want), expr


def test_variables():
    m = load()
    assert m.evaluate("a*x**2 + b*x + c", {"a": 2, "b": -3, "c": 1, "x": 4}) == 21
    assert m.evaluate("  rate_1 / 2 ", {"rate_1": 0.5}) == 0.25


@pytest.mark.parametrize("bad", ["", "   ", "1 +", "(1 + 2", "1 + 2)", "2 3", "1.2.3", "3 $ 4", "* 2", "max()",
                                 "abs(1, 2)", "round(1, 2, 3)", "()", "1 ** * 2", "min(1,)"])
def test_malformed_raises_calcerror(bad):
    m = load()
    assert issubclass(m.CalcError, ValueError)
    with pytest.raises(m.CalcError):
        m.evaluate(bad)


def test_name_errors():
    m = load()
    with pytest.raises(NameError):
        m.evaluate("x + 1")
    with pytest.raises(NameError):
        m.evaluate("sqrt(4)")


def test_zero_division():
    m = load()
    for expr in ("1/0", "5//(2-2)", "3 % 0"):
        with pytest.raises(ZeroDivisionError):
            m.evaluate(expr)
