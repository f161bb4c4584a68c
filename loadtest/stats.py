"""Percentiles and the printed report."""

from __future__ import annotations


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def p50_95_99(values: list[float]) -> str:
    return " / ".join(f"{percentile(values, p):,.0f}" for p in (50, 95, 99))
