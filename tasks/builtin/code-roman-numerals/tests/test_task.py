import pathlib

import pytest
import untrusted


def load():
    path = pathlib.Path.cwd() / "solution.py"
    if not path.is_file():
        pytest.fail("solution.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_to_roman_examples():
    m = load()
    cases = {1: "I", 3: "III", 4: "IV", 9: "IX", 14: "XIV", 40: "XL", 90: "XC", 400: "CD",
             1994: "MCMXCIV", 2024: "MMXXIV", 3888: "MMMDCCCLXXXVIII", 3999: "MMMCMXCIX"}
    for n, r in cases.items():
        assert m.to_roman(n) == r, n


def test_from_roman_examples():
    m = load()
    for r, n in {"I": 1, "IV": 4, "XLII": 42, "CDXLIV": 444, "MCMXCIV": 1994, "MMMCMXCIX": 3999}.items():
        assert m.from_roman(r) == n, r


def test_round_trip_all():
    m = load()
    for n in range(1, 4000):
        assert m.from_roman(m.to_roman(n)) == n


def test_to_roman_rejects_out_of_range():
    m = load()
    for bad in (0, -1, 4000, 10**6):
        with pytest.raises(ValueError):
            m.to_roman(bad)


def test_to_roman_rejects_non_integers():
    m = load()
    for bad in (1.0, "5", True, None):
        with pytest.raises(TypeError):
            m.to_roman(bad)


@pytest.mark.parametrize("bad", ["", "IIII", "IC", "VX", "XM", "IXI", "VV", "iv", "ABC", "MMMM", "LL", "XCX", "IIV"])
def test_from_roman_rejects_invalid(bad):
    m = load()
    with pytest.raises(ValueError):
        m.from_roman(bad)
