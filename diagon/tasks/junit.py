"""Counting passed tests in a pytest junit XML report (score = passed / total)."""

from __future__ import annotations

import xml.etree.ElementTree as ET


class JunitError(ValueError):
    """A junit report that is not well-formed XML or not a pytest test-suite report."""


def junit_counts(xml_text: bytes) -> tuple[int, int, list[str]]:
    """(passed, total, failure summaries) of a junit XML report; skips count as failures.

    Raises :class:`JunitError` when the report cannot be read as one.
    """
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise JunitError(f"not well-formed XML: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise JunitError(f"root element is <{root.tag}>, not <testsuites> or <testsuite>")
    passed = total = 0
    failures: list[str] = []
    for case in root.iter("testcase"):
        total += 1
        bad = [c for c in case if c.tag in ("failure", "error", "skipped")]
        if bad:
            failures.append(
                f"{case.get('name')}: {bad[0].tag}: {(bad[0].get('message') or '')[:160]}"
            )
        else:
            passed += 1
    return passed, total, failures
