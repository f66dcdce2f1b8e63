"""Helpers shared by the test files."""

import pytest


def one_line(error: pytest.ExceptionInfo) -> str:
    """The message of a refusal (``pytest.raises``'s ``ExceptionInfo``), asserted to be one line."""
    message = str(error.value)
    assert "\n" not in message
    return message
