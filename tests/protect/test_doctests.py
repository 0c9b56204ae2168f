"""The examples in the protect package's docstrings run."""

from __future__ import annotations

import doctest

import pytest

from buurtbeeld.protect import rounding, table


@pytest.mark.parametrize("module", [table, rounding])
def test_docstring_examples(module: object) -> None:
    failures, tried = doctest.testmod(module)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0
