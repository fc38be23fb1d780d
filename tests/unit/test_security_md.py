"""SECURITY.md maps each threat to tests: every test it names must exist, so the map stays true."""

from __future__ import annotations

import re

from devstack.config import PROJECT_ROOT

REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?(?:::(test_\w+))?`")


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test or None) for every `tests/...py[::test]` and `::test` in SECURITY.md; a bare
    `::test` belongs to the file named last before it."""
    found, last_file = [], None
    for file, test in REFERENCE.findall((PROJECT_ROOT / "SECURITY.md").read_text()):
        last_file = file or last_file
        if file or test:
            assert last_file, f"::{test} comes before any file"
            found.append((last_file, test or None))
    return found


def test_every_test_security_md_names_exists():
    named = named_tests()
    assert len(named) > 40
    missing = []
    for file, test in named:
        path = PROJECT_ROOT / file
        if not path.is_file():
            missing.append(file)
        elif test and not re.search(rf"^\s*def {test}\(", path.read_text(), re.MULTILINE):
            missing.append(f"{file}::{test}")
    assert missing == []
