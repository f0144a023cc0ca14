"""docs/configuration.md stays true: every variable the code reads is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import tierdesk

SOURCE = Path(tierdesk.__file__).parent
DOC = SOURCE.parent.parent / "docs" / "configuration.md"
READERS = re.compile(r"env_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def variables_read_by(*files: Path) -> set[str]:
    return {name for path in files for name in READERS.findall(path.read_text())}


def test_every_variable_the_settings_and_the_command_read_is_documented() -> None:
    read = variables_read_by(SOURCE / "settings.py", *sorted((SOURCE / "cli").glob("*.py")))
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", DOC.read_text()))

    assert "DATABASE_URL" in read  # the pattern still finds what it should
    assert sorted(read - documented) == []


def test_the_file_convention_for_secrets_is_documented() -> None:
    assert "NAME_FILE" in DOC.read_text()
