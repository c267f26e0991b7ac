import pathlib

import pytest
import untrusted


def load():
    path = pathlib.Path.cwd() / "ini_parser.py"
    if not path.is_file():
        pytest.fail("ini_parser.py missing")
    return untrusted.load(path.name)  # runs in a child process, never in pytest's


def test_example_file():
    m = load()
    assert m.parse_ini(EXAMPLE) == {
        "global": {"name": "billing-service", "version": "2.4.1"},
        "database": {"host": "db.internal", "port": "6432",
                     "password": "s3cr;t # not a comment",
                     "url": "postgres://db.internal/billing#main"},
        "paths": {"search": "\n/opt/app/lib\n/usr/local/lib", "log_file": "/var/log/app.log"},
    }


def test_sections_and_keys():
    m = load()
    assert m.parse_ini("[A]\nKey=1\n[b]\nkey : two words \n") == {"A": {"key": "1"}, "b": {"key": "two words"}}


def test_first_separator_wins():
    m = load()
    assert m.parse_ini("[s]\nurl = http://x:80/a=b\ntime: 12:30\n") == {"s": {"url": "http://x:80/a=b", "time": "12:30"}}


def test_comments():
    m = load()
    text = "# top\n[s]\n  ; indented comment\na = 1 ; one\nb = x#1\nc = a;b # tail\nd =\n"
    assert m.parse_ini(text) == {"s": {"a": "1", "b": "x#1", "c": "a;b", "d": ""}}


def test_quoted_values():
    m = load()
    assert m.parse_ini('[q]\na = "  spaced ; # "\nb = "x" ; c\n') == {"q": {"a": "  spaced ; # ", "b": "x"}}


def test_continuation_lines():
    m = load()
    text = "[s]\nitems = one\n  two\n\tthree\nnext = 4\n"
    assert m.parse_ini(text) == {"s": {"items": "one\ntwo\nthree", "next": "4"}}


def test_global_section_only_when_used():
    m = load()
    assert m.parse_ini("[only]\nk=v\n") == {"only": {"k": "v"}}
    assert m.parse_ini("") == {}


@pytest.mark.parametrize("text,line", [
    ("[s]\nnovalue\n", 2),
    ("[s\nk=v\n", 1),
    ("[s]\na=1\n= 3\n", 3),
    ('[s]\n\n\na = "open\n', 4),
    ('a = "x" y\n', 1),
    ("  indented = 1\n", 1),
])
def test_errors_name_the_line(text, line):
    m = load()
    assert issubclass(m.ParseError, ValueError)
    with pytest.raises(m.ParseError) as exc:
        m.parse_ini(text)
    assert f"line {line}" in str(exc.value)


EXAMPLE = """; deployment configuration
name = billing-service
Version: 2.4.1

[database]
Host = db.internal   ; primary
port=5432
password = "s3cr;t # not a comment"
url = postgres://db.internal/billing#main

[paths]
search =
    /opt/app/lib
    /usr/local/lib
log_file: /var/log/app.log

[database]
port = 6432
"""
