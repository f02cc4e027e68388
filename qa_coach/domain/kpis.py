"""Contact KPIs shown beside the QA score: AHT, FCR, CSAT, NPS, CES (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any, Iterable, Sequence


@dataclass(frozen=True)
class Contact:
    customer: str | None  # a stable key for the customer (email, id); None when unknown
    at: datetime
    duration: float | None = None  # seconds of handle time (talk + hold + after-call work)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def average_handle_time(durations: Iterable[float | None]) -> float | None:
    """Mean handle time in seconds over the contacts that have one."""
    known = [float(d) for d in durations if d is not None and d >= 0]
    return fmean(known) if known else None


def first_contact_resolution(contacts: Sequence[Contact], window_days: float = 7.0,
                             observed_until: datetime | None = None) -> Rate:
    """Share of contacts with no repeat contact by the same customer within ``window_days``.

    Contacts without a known customer are left out, and so are contacts too recent for
    the window to have passed (when ``observed_until`` is given).
    """
    window = timedelta(days=window_days)
    by_customer: dict[str, list[datetime]] = defaultdict(list)
    for c in contacts:
        if c.customer:
            by_customer[c.customer].append(c.at)
    resolved = total = 0
    for times in by_customer.values():
        times.sort()
        for i, t in enumerate(times):
            if observed_until is not None and t + window > observed_until:
                continue
            total += 1
            resolved += _no_repeat(t, times[i + 1] if i + 1 < len(times) else None, window)
    return Rate(resolved, total)


def first_contact_resolution_from_next(contacts: Iterable[tuple[datetime, datetime | None]],
                                       window_days: float = 7.0) -> Rate:
    """The same rate from (contact time, the customer's next contact time or None) pairs,
    for callers that look the next contact up in a database rather than load them all."""
    window = timedelta(days=window_days)
    outcomes = [_no_repeat(at, nxt, window) for at, nxt in contacts]
    return Rate(sum(outcomes), len(outcomes))


def _no_repeat(at: datetime, next_at: datetime | None, window: timedelta) -> bool:
    """Resolved at first contact: the customer did not come back within the window."""
    return next_at is None or next_at - at > window


_SATISFIED_WORDS = {"good", "satisfied", "positive", "happy", "great", "yes"}
_UNSATISFIED_WORDS = {"bad", "unsatisfied", "dissatisfied", "negative", "unhappy", "no"}


def csat_rating(value: Any, scale: int = 5) -> bool | None:
    """Whether one survey answer counts as satisfied: "good"/"bad" (Zendesk), or a number on a
    ``scale``-point scale (satisfied = the top two points; on 3 points, the top one).
    Unanswered or unknown values ("offered", "unoffered", None) are None."""
    if isinstance(value, dict):
        value = value.get("rating", value.get("score"))
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _SATISFIED_WORDS:
            return True
        if word in _UNSATISFIED_WORDS:
            return False
        try:
            value = float(word)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not 1 <= value <= scale:
        return None
    return value >= (scale if scale <= 3 else scale - 1)


def csat(values: Iterable[Any], scale: int = 5) -> Rate:
    ratings = [r for r in (csat_rating(v, scale) for v in values) if r is not None]
    return Rate(sum(ratings), len(ratings))


@dataclass(frozen=True)
class NetPromoter:
    promoters: int
    passives: int
    detractors: int

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """−100..100: % promoters (9–10) − % detractors (0–6)."""
        return 100 * (self.promoters - self.detractors) / self.n if self.n else None


def net_promoter(values: Iterable[Any]) -> NetPromoter:
    p = pa = d = 0
    for v in values:
        x = _number(v)
        if x is None or not 0 <= x <= 10:
            continue
        if x >= 9:
            p += 1
        elif x >= 7:
            pa += 1
        else:
            d += 1
    return NetPromoter(p, pa, d)


def customer_effort(values: Iterable[Any]) -> float | None:
    """Mean customer effort score (on whatever scale the survey used)."""
    known = [x for x in (_number(v) for v in values) if x is not None]
    return fmean(known) if known else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
