"""The indicator registry and docs/indicators.md name the same indicators."""

from __future__ import annotations

import re
from pathlib import Path

from retaguarda.domain.kpi.registry import INDICATORS

DOC = Path(__file__).parents[3] / "docs" / "indicators.md"


def documented() -> set[str]:
    return set(re.findall(r"^### ([a-z][a-z0-9_]+)$", DOC.read_text(), flags=re.MULTILINE))


def test_every_indicator_has_a_written_definition() -> None:
    assert set(INDICATORS) <= documented()


def test_every_definition_is_a_registered_indicator() -> None:
    # Headings that are slugs (lower case, underscores) define indicators.
    assert documented() <= set(INDICATORS)


def test_slugs_are_the_keys_and_formulas_are_written() -> None:
    for slug, indicator in INDICATORS.items():
        assert indicator.slug == slug
        assert indicator.label_key == f"indicator.{slug}"
        assert len(indicator.formula) > 20
