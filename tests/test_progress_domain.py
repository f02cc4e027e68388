"""Progress analytics and KPIs as pure functions, against figures worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from qa_coach.domain import kpis
from qa_coach.domain.progress import (
    Observation,
    agreement_by_criterion,
    calibration_summary,
    change_since,
    cohort_comparison,
    pair_alignment,
    rolling_average,
    share_within,
    strongest_and_weakest,
    trends_by_key,
    week_of,
    weekly_trend,
    weighted_rolling,
)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, 2, hour, tzinfo=timezone.utc) + timedelta(days=day)  # 2026-11-02 is a Monday


def test_weeks_start_on_monday():
    assert week_of(at(0)) == date(2026, 11, 2)
    assert week_of(at(6)) == date(2026, 11, 2)  # Sunday
    assert week_of(at(7)) == date(2026, 11, 9)


def test_weekly_trend_skips_na_and_weights_preaggregated_rows():
    obs = [Observation(1, at(0), 0.5), Observation(1, at(3), 1.0), Observation(1, at(4), None),
           Observation(1, at(8), 0.2, n=3), Observation(1, at(9), 0.6)]
    trend = weekly_trend(obs)
    assert [(p.week, p.mean, p.n) for p in trend] == [
        (date(2026, 11, 2), 0.75, 2),
        (date(2026, 11, 9), pytest.approx((0.2 * 3 + 0.6) / 4), 4),
    ]


def test_trends_by_criterion():
    obs = [Observation(1, at(0), 1.0, "greeting"), Observation(1, at(0), 0.0, "empathy"),
           Observation(1, at(7), 0.5, "empathy")]
    trends = trends_by_key(obs)
    assert [p.mean for p in trends["empathy"]] == [0.0, 0.5]
    assert [p.mean for p in trends["greeting"]] == [1.0]


def test_rolling_averages():
    assert rolling_average([1, 2, 3, 4], 2) == (1.0, 1.5, 2.5, 3.5)
    assert rolling_average([4.0], 3) == (4.0,)
    with pytest.raises(ValueError):
        rolling_average([1], 0)
    points = weekly_trend([Observation(1, at(0), 10.0), Observation(1, at(7), 40.0, n=3)])
    assert weighted_rolling(points, 2) == (10.0, pytest.approx((10 + 120) / 4))


def test_cohort_compares_at_the_same_week_since_hire():
    hires = {1: date(2026, 11, 2), 2: date(2026, 10, 26), 3: date(2026, 10, 26), 4: None}
    obs = [
        Observation(1, at(1), 60.0),  # rep 1, week 0
        Observation(1, at(8), 80.0),  # rep 1, week 1
        Observation(2, at(1), 70.0),  # rep 2 hired a week earlier: week 1
        Observation(3, at(2), 90.0), Observation(3, at(3), 50.0),  # rep 3: week 1, mean 70
        Observation(2, at(-6), 40.0),  # rep 2 week 0
        Observation(4, at(1), 0.0),  # no hire date: left out
    ]
    points = {p.week_since_hire: p for p in cohort_comparison(1, obs, hires)}
    assert points[0].rep_mean == 60.0 and points[0].cohort_mean == 40.0 and points[0].cohort_reps == 1
    assert points[1].rep_mean == 80.0 and points[1].cohort_mean == 70.0 and points[1].cohort_reps == 2


def test_strongest_weakest_and_change_since():
    obs = [Observation(1, at(0), 1.0, "greeting"), Observation(1, at(0), 0.2, "empathy"),
           Observation(1, at(0), 0.6, "closing"), Observation(1, at(1), 0.4, "empathy")]
    strongest, weakest = strongest_and_weakest(obs, k=1)
    assert [s.criterion_id for s in strongest] == ["greeting"]
    assert [(s.criterion_id, s.mean, s.n) for s in weakest] == [("empathy", pytest.approx(0.3), 2)]
    totals = [Observation(1, at(0), 50.0), Observation(1, at(1), 70.0), Observation(1, at(5), 90.0)]
    change = change_since(totals, at(3))
    assert (change.before, change.after, change.n_before, change.n_after) == (60.0, 90.0, 2, 1)
    assert change.delta == 30.0
    assert change_since(totals, at(9)).delta is None


def test_agreement_per_criterion_uses_cohen_kappa():
    pairs = [("greeting", "yes", "yes"), ("greeting", "no", "no"), ("greeting", "yes", "no"), ("greeting", "no", "no"),
             ("empathy", "yes", "yes")]
    result = agreement_by_criterion(pairs)
    assert result["greeting"].n == 4 and result["greeting"].accuracy == 0.75
    # observed 0.75; expected: auto yes 2/4, human yes 1/4 → 0.5*0.25 + 0.5*0.75 = 0.5 → kappa 0.5
    assert result["greeting"].kappa == pytest.approx(0.5)
    assert result["empathy"].kappa is None  # one item: undefined


def test_calibration_alignment_share_and_variance():
    assert pair_alignment(10, 5, 20) == 0.75 and pair_alignment(None, None, 20) == 1.0 and pair_alignment(None, 0, 20) == 0.0
    points = {1: {"a": 10.0, "b": 0.0}, 2: {"a": 10.0, "b": 20.0}, 3: {"a": 5.0, "b": None}}
    summary = calibration_summary(points, {"a": 10.0, "b": 20.0}, {1: 90.0, 2: 80.0, 3: 50.0})
    assert summary.alignment_by_criterion["a"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert summary.alignment_by_criterion["b"] == pytest.approx((0 + 0 + 0) / 3)
    assert summary.alignment == pytest.approx((2 / 3 * 10 + 0 * 20) / 30)
    assert summary.mean_score == pytest.approx(220 / 3)
    assert summary.share_within_10 == pytest.approx(1 / 3)  # only 80 lies within 73.3 ± 10
    assert summary.variance == pytest.approx(((90 - 220 / 3) ** 2 + (80 - 220 / 3) ** 2 + (50 - 220 / 3) ** 2) / 3)
    assert share_within([5, -10, 11, -30]) == 0.5


def test_average_handle_time_ignores_unknown_durations():
    assert kpis.average_handle_time([300, None, 500, -1]) == 400.0
    assert kpis.average_handle_time([None]) is None


def test_first_contact_resolution_counts_repeat_contacts_within_the_window():
    contacts = [
        kpis.Contact("ann", at(0)), kpis.Contact("ann", at(3)),  # repeat after 3 days: first not resolved
        kpis.Contact("ann", at(20)),  # 17 days later: the contact at day 3 was resolved
        kpis.Contact("bob", at(1)),
        kpis.Contact(None, at(1)),  # unknown customer: left out
    ]
    rate = kpis.first_contact_resolution(contacts, window_days=7)
    assert (rate.numerator, rate.denominator) == (3, 4)
    recent = kpis.first_contact_resolution(contacts, window_days=7, observed_until=at(21))
    assert (recent.numerator, recent.denominator) == (2, 3)  # day 20 is too recent to judge


def test_csat_nps_ces():
    assert kpis.csat(["good", "bad", "offered", None, "good"]).value == pytest.approx(2 / 3)
    assert kpis.csat([5, 4, 3, 1, 9]).value == 0.5  # 9 is off a 5-point scale
    assert kpis.csat([7, 6, 5], scale=7).value == pytest.approx(2 / 3)
    nps = kpis.net_promoter([10, 9, 8, 7, 6, 0, "x", 11])
    assert (nps.promoters, nps.passives, nps.detractors) == (2, 2, 2) and nps.score == 0.0
    assert kpis.net_promoter([10, 10, 3]).score == pytest.approx(100 / 3)
    assert kpis.customer_effort([2, "4", None]) == 3.0
