"""Helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import example, given, settings

# --- property tests in two sizes -----------------------------------------------------------------


def property_test(
    *, share: float = 1.0, examples: Sequence[Mapping[str, Any]] = (), **strategies: Any
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A hypothesis test of body over strategies (keyword arguments, as for given), plus examples,
    each a mapping of the same arguments that is always tried first.

    It runs share of the loaded profile's examples (conftest.py: a few dozen by default); full_size
    makes its twin with the full profile's, marked slow."""

    def decorate(body: Callable[..., None]) -> Callable[..., None]:
        test = _sized(body, strategies, examples, settings.default.max_examples * share)
        test.property_parts = (body, strategies, examples, share)  # type: ignore[attr-defined]
        return test

    return decorate


def full_size(test: Callable[..., None]) -> Callable[..., None]:
    """The twin of a property_test with the full profile's number of examples (or the fuzz
    profile's, when that is loaded), marked slow: left out of a plain `pytest`, run by .ci/run."""
    body, strategies, examples, share = test.property_parts  # type: ignore[attr-defined]
    count = max(settings.get_profile("full").max_examples, settings.default.max_examples)
    return pytest.mark.slow(_sized(body, strategies, examples, count * share))


def _sized(
    body: Callable[..., None], strategies: dict[str, Any], examples: Sequence[Mapping[str, Any]], count: float
) -> Callable[..., None]:
    test = given(**strategies)(body)
    for arguments in examples:
        test = example(**arguments)(test)
    return settings(max_examples=max(1, round(count)))(test)
