"""The Pareto of reasons: by descending volume, the running share, the vital few.

docs/indicators.md ("Pareto") is the written definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

THRESHOLD = Fraction(4, 5)  # the vital few make 80 % of the volume

Pairs = Mapping[str, float] | Sequence[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class ParetoSeries:
    """Reasons by descending count and the running share.

    `cumulative[i]` is the share (0..1) of all items in reasons `0..i`;
    `vital_few` is how many leading reasons it takes to reach the threshold.
    """

    labels: tuple[str, ...]
    counts: tuple[float, ...]
    cumulative: tuple[float, ...]
    vital_few: int


def pareto_series(counts: Pairs, threshold: float | Fraction = THRESHOLD) -> ParetoSeries:
    """Sort reasons by descending count (ties keep their order) and accumulate shares.

    cumulative[i] = sum(counts[0..i]) / sum(counts); vital_few is the smallest k with
    cumulative[k-1] >= threshold, compared exactly (0 when there is no item).

    Raises:
        ValueError: a count is negative, or the threshold is not in (0, 1].
    """
    share = Fraction(str(threshold)) if isinstance(threshold, float) else Fraction(threshold)
    if not 0 < share <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    pairs = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    if any(value < 0 for _, value in pairs):
        raise ValueError("Pareto counts cannot be negative")
    ranked = sorted(((str(name), value) for name, value in pairs), key=lambda pair: -pair[1])
    total = Fraction(str(sum(value for _, value in ranked)))
    running = Fraction(0)
    cumulative: list[float] = []
    vital_few = 0
    for index, (_, value) in enumerate(ranked):
        running += Fraction(str(value))
        cumulative.append(float(running / total) if total else 0.0)
        if total and not vital_few and running >= share * total:
            vital_few = index + 1
    return ParetoSeries(
        labels=tuple(name for name, _ in ranked),
        counts=tuple(value for _, value in ranked),
        cumulative=tuple(cumulative),
        vital_few=vital_few,
    )


def report(
    counts: Mapping[str | None, int], previous: Mapping[str | None, int]
) -> dict[str, object]:
    """The Pareto rows of `counts` (reason -> items; None: no reason given), each with
    its change against `previous` (the period before). Items without a reason are
    counted apart (`unspecified`), outside the shares: a Pareto ranks known causes.
    Reasons seen only before appear with count 0 at the end."""
    named = {k: v for k, v in counts.items() if k is not None}
    before = {k: v for k, v in previous.items() if k is not None}
    for reason in before:
        named.setdefault(reason, 0)
    # Equal counts in the order of their names, so the answer does not depend on the
    # order the database returned them in.
    series = pareto_series(sorted(named.items()))
    total = sum(named.values())
    rows = []
    for index, (reason, count) in enumerate(zip(series.labels, series.counts, strict=True)):
        earlier = before.get(reason, 0)
        rows.append(
            {
                "reason": reason,
                "count": int(count),
                "share": count / total if total else 0.0,
                "cumulative_share": series.cumulative[index],
                "vital_few": index < series.vital_few,
                "previous_count": earlier,
                "change": int(count) - earlier,
                "change_pct": None if earlier == 0 else (int(count) - earlier) / earlier,
            }
        )
    return {
        "total": total,
        "unspecified": counts.get(None, 0),
        "previous_total": sum(before.values()),
        "previous_unspecified": previous.get(None, 0),
        "vital_few": series.vital_few,
        "reasons": rows,
    }
