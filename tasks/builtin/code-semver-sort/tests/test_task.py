import pathlib

import pytest
import untrusted


def load():
    path = pathlib.Path.cwd() / "semver.py"
    if not path.is_file():
        pytest.fail("semver.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_valid_versions():
    m = load()
    for v in ["0.0.0", "1.2.3", "10.20.30", "1.0.0-alpha", "1.0.0-0A.is.legal", "1.1.2-prerelease+meta",
              "1.0.0+0.build.1-rc.10000aaa-kk-0.1", "1.0.0-x-y-z.--", "2.0.0+001"]:
        assert m.is_valid(v) is True, v


def test_invalid_versions():
    m = load()
    for v in ["1", "1.2", "01.1.1", "1.02.3", "1.2.3-01", "1.2.3-", "1.2.3+", "v1.2.3", " 1.2.3",
              "1.2.3-alpha..1", "1.2.3-beta!", "1.2.3.4", "-1.2.3", ""]:
        assert m.is_valid(v) is False, v


def test_compare_core():
    m = load()
    assert m.compare("1.9.0", "1.10.0") == -1
    assert m.compare("2.0.0", "1.99.99") == 1
    assert m.compare("1.2.3", "1.2.3") == 0


def test_compare_prerelease_and_build():
    m = load()
    assert m.compare("1.0.0-alpha", "1.0.0") == -1
    assert m.compare("1.0.0-beta.11", "1.0.0-beta.2") == 1
    assert m.compare("1.0.0-alpha.1", "1.0.0-alpha.beta") == -1
    assert m.compare("1.0.0-alpha", "1.0.0-alpha.1") == -1
    assert m.compare("1.0.0-rc.1", "1.0.0-RC.1") == 1
    assert m.compare("1.0.0+build.1", "1.0.0+build.2") == 0


def test_compare_rejects_invalid():
    m = load()
    with pytest.raises(ValueError):
        m.compare("1.0", "1.0.0")


def test_sort_spec_example():
    m = load()
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
               "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0", "2.0.0"]
    shuffled = [ordered[i] for i in (7, 3, 10, 0, 5, 9, 1, 6, 2, 8, 4)]
    assert m.sort_versions(shuffled) == ordered


def test_sort_is_stable_for_build_metadata():
    m = load()
    assert m.sort_versions(["1.0.0+b", "0.9.0", "1.0.0+a", "1.0.0"]) == ["0.9.0", "1.0.0+b", "1.0.0+a", "1.0.0"]
    with pytest.raises(ValueError):
        m.sort_versions(["1.0.0", "bad"])


def test_bump():
    m = load()
    assert m.bump("1.2.3", "major") == "2.0.0"
    assert m.bump("1.2.3", "minor") == "1.3.0"
    assert m.bump("1.2.3-rc.1+build.5", "patch") == "1.2.4"
    with pytest.raises(ValueError):
        m.bump("1.2.3", "micro")
    with pytest.raises(ValueError):
        m.bump("1.2", "patch")
