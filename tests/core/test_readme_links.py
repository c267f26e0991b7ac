"""The README points only inside the repository (issue 11, item 16).

It used to name `../shared/DESIGN.md`, a file that exists only beside one checkout.
Every Markdown link and every backticked file path of the README must stay inside the
repository; links and paths into the source tree (not outputs such as `multirun/` or
`compare.md`) must exist.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# a backticked token that names a file: has a slash or a doc/code suffix, no spaces or wildcards
_SOURCE_DIRS = ("diagon/", "conf/", "docs/", "tasks/", "tests/", "benchmarks/", "analysis/", "sandboxes/")
_PATHLIKE = re.compile(r"^[\w.\-/]+(/|\.(md|py|yaml|toml|txt|ipynb|sqlite))$|^\.\./|^/")


def readme_targets(text: str) -> list[tuple[str, bool]]:
    """(target, must exist) of Markdown links (not URLs) and backticked path-like tokens."""
    links = [t for t in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"^[a-z]+://|^#|^mailto:", t)]
    spans = [s for s in re.findall(r"`([^`\n]+)`", text) if _PATHLIKE.search(s) and "<" not in s]
    return [(t, True) for t in links] + [(s, s.startswith(_SOURCE_DIRS)) for s in spans]


def escapes(target: str, must_exist: bool = True) -> str | None:
    """Why ``target`` is not a path inside the repository, or None."""
    path = (ROOT / target.split("#", 1)[0]).resolve()
    if target.startswith("/") or not path.is_relative_to(ROOT):
        return "outside the repository"
    return None if path.exists() or not must_exist else "does not exist"


def test_the_readme_points_only_to_files_inside_the_repository():
    text = (ROOT / "README.md").read_text()
    targets = readme_targets(text)
    assert ("docs/DESIGN.md", True) in targets
    bad = {t: why for t, must in targets if (why := escapes(t, must))}
    assert bad == {}


def test_the_check_catches_a_link_outside_the_repository():
    text = "see `../shared/DESIGN.md` and [the design](../shared/DESIGN.md), also `/etc/hosts`"
    found = readme_targets(text)
    assert [t for t, _ in found] == ["../shared/DESIGN.md", "../shared/DESIGN.md", "/etc/hosts"]
    assert {escapes(t, must) for t, must in found} == {"outside the repository"}
    assert escapes("docs/nope.md") == "does not exist"
