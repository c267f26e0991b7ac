import pathlib

import pytest
import untrusted

EXPECTED = ["design-tokens", "icons", "json-schema", "logging", "markdown", "sockets", "crypto",
            "http", "api-client", "auth", "cli", "ui-kit", "docs", "web-app"]


def load():
    path = pathlib.Path.cwd() / "buildorder.py"
    if not path.is_file():
        pytest.fail("buildorder.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_order_txt():
    path = pathlib.Path("order.txt")
    assert path.is_file(), "order.txt missing"
    assert [x.strip() for x in path.read_text().split("\n") if x.strip()] == EXPECTED


def test_parse_deps():
    m = load()
    deps = m.parse_deps("# c\n\n a : b, c ,b\nb:\n")
    assert {k: list(v) for k, v in deps.items()} == {"a": ["b", "c"], "b": [], "c": []}


def test_parse_duplicate_declaration():
    m = load()
    with pytest.raises(ValueError):
        m.parse_deps("a: b\na: c\n")


def test_build_order_lexicographic_tiebreak():
    m = load()
    assert m.build_order({"z": [], "y": [], "b": ["z"], "a": ["y", "z"]}) == ["y", "z", "a", "b"]


def test_build_order_on_inputs():
    m = load()
    text = pathlib.Path("deps.txt").read_text()
    assert m.build_order(m.parse_deps(text)) == EXPECTED


def test_undeclared_dependencies_are_included():
    m = load()
    assert m.build_order({"app": ["lib"]}) == ["lib", "app"]


@pytest.mark.parametrize("graph,cycle", [
    ({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}, ["a", "b", "c", "a"]),
    ({"x": ["x"]}, ["x", "x"]),
    ({"q": ["c"], "c": ["b"], "b": ["a"], "a": ["c"], "r": ["q"]}, ["a", "c", "b", "a"]),
])
def test_cycle_error(graph, cycle):
    m = load()
    with pytest.raises(m.CycleError) as exc:
        m.build_order(graph)
    assert list(exc.value.cycle) == cycle
