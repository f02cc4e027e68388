"""Progress analytics: pure functions over scores (numbers in, numbers out).

Scores are fractions 0..1 per criterion (points ÷ max; N/A left out) or percentages
0..100 per interaction; weeks start on Monday (ISO weeks).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations
from statistics import fmean, pvariance
from typing import Iterable, Mapping, Sequence

from .agreement import Agreement, agreement


@dataclass(frozen=True)
class Observation:
    """One score of one representative at one time (a criterion fraction or a total)."""

    rep_id: int
    at: datetime
    value: float | None  # None: N/A, left out of every mean
    key: str = ""  # the criterion id ("" for the interaction's total)
    n: int = 1  # how many scores ``value`` is the mean of (pre-aggregated rows)


@dataclass(frozen=True)
class WeekPoint:
    week: date  # the Monday that starts the week
    mean: float
    n: int


@dataclass(frozen=True)
class CohortPoint:
    week_since_hire: int
    rep_mean: float | None
    cohort_mean: float | None
    cohort_reps: int  # how many other new hires had a score that week


@dataclass(frozen=True)
class CriterionStanding:
    criterion_id: str
    mean: float
    n: int


@dataclass(frozen=True)
class Change:
    before: float | None
    after: float | None
    n_before: int
    n_after: int

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


def week_of(at: datetime | date) -> date:
    d = at.date() if isinstance(at, datetime) else at
    return d - timedelta(days=d.weekday())


def _wmean(items: Sequence[tuple[float, int]]) -> tuple[float, int]:
    n = sum(k for _, k in items)
    return sum(v * k for v, k in items) / n, n


def weekly_trend(observations: Iterable[Observation]) -> tuple[WeekPoint, ...]:
    buckets: dict[date, list[tuple[float, int]]] = defaultdict(list)
    for o in observations:
        if o.value is not None and o.n > 0:
            buckets[week_of(o.at)].append((o.value, o.n))
    return tuple(WeekPoint(w, *_wmean(v)) for w, v in sorted(buckets.items()))


def trends_by_key(observations: Iterable[Observation]) -> dict[str, tuple[WeekPoint, ...]]:
    """Weekly trend per criterion (key)."""
    by_key: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        by_key[o.key].append(o)
    return {k: weekly_trend(v) for k, v in sorted(by_key.items())}


def rolling_average(values: Sequence[float], window: int) -> tuple[float, ...]:
    """Mean of each value with up to ``window - 1`` values before it."""
    if window < 1:
        raise ValueError("window must be at least 1")
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return tuple(out)


def weighted_rolling(points: Sequence[WeekPoint], window: int) -> tuple[float, ...]:
    """Rolling mean over weekly points, each week weighted by how many scores it holds."""
    out = []
    for i in range(len(points)):
        span = points[max(0, i - window + 1) : i + 1]
        n = sum(p.n for p in span)
        out.append(sum(p.mean * p.n for p in span) / n)
    return tuple(out)


def weeks_since(start: date, at: datetime | date) -> int:
    d = at.date() if isinstance(at, datetime) else at
    return (d - start).days // 7


def cohort_comparison(
    rep_id: int, observations: Iterable[Observation], hire_dates: Mapping[int, date | None],
) -> tuple[CohortPoint, ...]:
    """The rep's weekly mean by week since hire beside the other hires' mean at the same week.

    ``observations`` hold the rep's and the cohort's scores; ``hire_dates`` the cohort
    (the reps to compare with, the rep included). Reps without a hire date are left out.
    """
    rep_weeks: dict[int, list[tuple[float, int]]] = defaultdict(list)
    cohort_weeks: dict[int, dict[int, list[tuple[float, int]]]] = defaultdict(lambda: defaultdict(list))
    for o in observations:
        hired = hire_dates.get(o.rep_id)
        if hired is None or o.value is None or o.n <= 0:
            continue
        w = weeks_since(hired, o.at)
        if w < 0:
            continue
        if o.rep_id == rep_id:
            rep_weeks[w].append((o.value, o.n))
        else:
            cohort_weeks[w][o.rep_id].append((o.value, o.n))
    weeks = sorted(set(rep_weeks) | set(cohort_weeks))
    out = []
    for w in weeks:
        per_rep = [_wmean(v)[0] for v in cohort_weeks.get(w, {}).values()]
        out.append(
            CohortPoint(w, _wmean(rep_weeks[w])[0] if rep_weeks.get(w) else None,
                        fmean(per_rep) if per_rep else None, len(per_rep))
        )
    return tuple(out)


def criterion_standings(observations: Iterable[Observation]) -> tuple[CriterionStanding, ...]:
    """Mean per criterion, best first (ties broken by criterion id)."""
    values: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for o in observations:
        if o.value is not None and o.n > 0:
            values[o.key].append((o.value, o.n))
    standings = [CriterionStanding(k, *_wmean(v)) for k, v in values.items()]
    return tuple(sorted(standings, key=lambda s: (-s.mean, s.criterion_id)))


def strongest_and_weakest(
    observations: Iterable[Observation], k: int = 3, min_n: int = 1,
) -> tuple[tuple[CriterionStanding, ...], tuple[CriterionStanding, ...]]:
    ranked = [s for s in criterion_standings(observations) if s.n >= min_n]
    weakest = tuple(sorted(ranked, key=lambda s: (s.mean, s.criterion_id))[:k])
    return tuple(ranked[:k]), weakest


def change_since(observations: Sequence[Observation], since: datetime) -> Change:
    before = [(o.value, o.n) for o in observations if o.value is not None and o.n > 0 and o.at < since]
    after = [(o.value, o.n) for o in observations if o.value is not None and o.n > 0 and o.at >= since]
    b, a = (_wmean(before) if before else (None, 0)), (_wmean(after) if after else (None, 0))
    return Change(b[0], a[0], b[1], a[1])


def change_since_by_key(observations: Sequence[Observation], since: datetime) -> dict[str, Change]:
    by_key: dict[str, list[Observation]] = defaultdict(list)
    for o in observations:
        by_key[o.key].append(o)
    return {k: change_since(v, since) for k, v in sorted(by_key.items())}


# Agreement between the automatic and the human answers -----------------------------


def agreement_by_criterion(pairs: Iterable[tuple[str, str, str]]) -> dict[str, Agreement]:
    """``pairs`` are (criterion id, automatic answer, human answer); N/A is
    :attr:`qa_coach.domain.scorecard.BuiltInAnswer.NA` ("na")."""
    auto: dict[str, list[str]] = defaultdict(list)
    human: dict[str, list[str]] = defaultdict(list)
    for cid, a, h in pairs:
        auto[cid].append(a)
        human[cid].append(h)
    return {cid: agreement(auto[cid], human[cid]) for cid in sorted(auto)}


# Calibration --------------------------------------------------------------------------


@dataclass(frozen=True)
class CalibrationSummary:
    reviewers: int
    alignment_by_criterion: Mapping[str, float]  # mean pairwise 1 − |diff| / max
    alignment: float | None  # weighted by each criterion's max points
    share_within_10: float | None  # share of reviewers whose total is within ±10 of the mean
    variance: float | None  # population variance of the reviewers' totals
    mean_score: float | None


def pair_alignment(a: float | None, b: float | None, maximum: float) -> float:
    """1 − |a − b| / max; two N/As agree fully, one N/A against a score not at all."""
    if a is None or b is None:
        return 1.0 if a is None and b is None else 0.0
    if maximum <= 0:
        return 1.0
    return max(0.0, 1.0 - abs(a - b) / maximum)


def calibration_summary(
    points: Mapping[int, Mapping[str, float | None]], maxima: Mapping[str, float],
    totals: Mapping[int, float | None],
) -> CalibrationSummary:
    """``points``: reviewer → criterion → points given (None for N/A); ``totals``: reviewer → score %."""
    reviewers = sorted(points)
    by_crit: dict[str, float] = {}
    for cid, maximum in maxima.items():
        pairs = [pair_alignment(points[a].get(cid), points[b].get(cid), maximum) for a, b in combinations(reviewers, 2)]
        if pairs:
            by_crit[cid] = fmean(pairs)
    weight = sum(maxima[c] for c in by_crit)
    overall = sum(by_crit[c] * maxima[c] for c in by_crit) / weight if weight else None
    scores = [t for t in (totals.get(r) for r in reviewers) if t is not None]
    mean = fmean(scores) if scores else None
    within = sum(abs(t - mean) <= 10 for t in scores) / len(scores) if scores else None
    return CalibrationSummary(len(reviewers), by_crit, overall, within, pvariance(scores) if len(scores) > 1 else None,
                              mean)


def share_within(differences: Iterable[float], tolerance: float = 10.0) -> float | None:
    """Share of score differences (e.g. automatic − human, in points of 100) within ±tolerance."""
    diffs = [d for d in differences if d is not None and not math.isnan(d)]
    return sum(abs(d) <= tolerance for d in diffs) / len(diffs) if diffs else None


def mean_absolute_error(differences: Iterable[float]) -> float | None:
    diffs = [abs(d) for d in differences if d is not None]
    return fmean(diffs) if diffs else None
