"""Wrong answers are refused with a message that says what is accepted; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.project import render

INVALID_ANSWERS = [
    pytest.param({"package_name": "class"}, "'class' is a Python keyword", id="keyword"),
    pytest.param({"package_name": "tests"}, "clash with the project's own 'tests'", id="tests"),
    pytest.param(
        {"package_name": "json"}, "shadows the standard-library module 'json'", id="stdlib"
    ),
    pytest.param({"package_name": "2fast"}, "not a valid import name", id="leading-digit"),
    pytest.param({"package_name": "Music-Library"}, "not a valid import name", id="dash"),
    pytest.param({"author_email": "nobody"}, "is not an e-mail address", id="email"),
    pytest.param({"python_version": "3.9"}, "Invalid choice for 'python_version'", id="python"),
]


@pytest.mark.parametrize(("answers", "message"), INVALID_ANSWERS)
def test_invalid_answer_is_rejected_with_a_clear_message(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    destination = tmp_path / "project"

    with pytest.raises(ValueError, match=message):
        render(destination, **answers)

    assert not destination.exists()


def test_valid_unusual_package_name_is_accepted(tmp_path: Path) -> None:
    root = render(tmp_path / "project", package_name="_private_music2")

    assert (root / "src/_private_music2/domain/__init__.py").is_file()
