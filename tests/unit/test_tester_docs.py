"""docs/testing.md's worked example is the project's whole-guide test, word for word
(.ci/run also runs it from the built wheel, outside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_docs_worked_example_is_the_guide_test():
    docs = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    example = re.search(r"<!-- tester-example -->\s*```python\n(.*?)```", docs, re.S)
    assert example, "docs/testing.md lost its <!-- tester-example --> block (.ci/run extracts it)"
    test = (ROOT / "tests" / "ui" / "test_tester_guide.py").read_text(encoding="utf-8")
    assert example.group(1) == test
    assert len(test.splitlines()) <= 40
