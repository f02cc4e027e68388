"""Server-side render time of the team overview, a representative's progress page, the
Interactions page (with filters) and the Disputes inbox.

Builds (or reuses) the 100,000-interaction bench database, then renders each page with
Streamlit's AppTest (the whole page script: services, queries, charts) and reports the
median of several runs; the first run of each page warms caches and is not counted. A
database without reviews or disputes first gets some (5% reviewed, 1,000 disputes of which
300 open), so the review, dispute and inbox queries have rows to find.

    python bench/bench_ui.py [--url sqlite:////tmp/qa_bench_ui.sqlite3] [--n 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import median_ms  # noqa: E402
from generate_storage_data import generate_timed  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from qa_coach.services.records import UserRecord  # noqa: E402
from qa_coach.storage.database import Database  # noqa: E402

TARGET_S = 1.0


def _page(page_key: str) -> None:
    from qa_coach.ui.nav import run_page

    run_page(page_key)


def render_seconds(sessions, user: UserRecord, page: str, runs: int, cold: bool,
                   state: dict | None = None) -> tuple[float, list[float]]:
    """``cold``: st.cache_data is emptied before each run, so every query runs. ``state``:
    widget values set before the run (the page's filters)."""
    import streamlit as st

    from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext

    times = []
    for i in range(runs + 1):
        if cold:
            st.cache_data.clear()
        at = AppTest.from_function(_page, args=(page,), default_timeout=120)
        at.session_state[CONTEXT_KEY] = AppContext(sessions, None, None)
        at.session_state[USER_KEY] = user
        for key, value in (state or {}).items():
            at.session_state[key] = value
        t = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - t
        if at.exception or any("went wrong" in e.value or "Not allowed" in e.value for e in at.error):
            raise SystemExit(f"{page} failed: {[e.value for e in at.exception]} {[e.value for e in at.error]}")
        if i:
            times.append(elapsed)
    return statistics.median(times), times


def data_seconds(sessions, runs: int) -> None:
    """The services each page calls, without Streamlit."""
    from datetime import timedelta

    from qa_coach.services import analytics, coaching, dashboard, dispute_inbox, interaction_search
    from qa_coach.storage.models import utcnow

    since = utcnow() - timedelta(weeks=12)
    calls = {
        "overview data": lambda: (dashboard.team_dashboard(sessions, 1, 1),
                                  analytics.contact_kpis(sessions, 1, team_id=1, since=since),
                                  analytics.team_overview(sessions, 1, 1, since=since),
                                  analytics.automatic_vs_human(sessions, 1, team_id=1)),
        "progress data": lambda: (analytics.rep_progress(sessions, 1, 1),
                                  coaching.list_coaching_sessions(sessions, 1, 1)),
        "interactions data": lambda: interaction_search.search_interactions(
            sessions, 1, interaction_search.InteractionFilters(
                team_id=3, max_score=60, sort=interaction_search.SortOrder.LOWEST_SCORE)),
        "disputes data": lambda: dispute_inbox.open_disputes(sessions, 1),
    }
    for name, call in calls.items():
        median, times = median_ms(call, runs)
        print(f"{name:17s} median {median:.0f} ms over {len(times)} runs")


def add_reviews_and_disputes(db, *, seed: int = 0) -> None:
    """Reviews of 5% of the interactions and 1,000 disputes (300 open), unless there are some."""
    import random
    from datetime import timedelta

    from sqlalchemy import func, insert, select

    from generate_storage_data import CRITERIA, NOW
    from qa_coach.storage.models import Dispute, InteractionRow, Review

    with db.engine.begin() as conn:
        if conn.scalar(select(func.count()).select_from(Dispute)):
            return
        ids = list(conn.scalars(select(InteractionRow.id).order_by(InteractionRow.id)))
        rng = random.Random(seed)
        reviewed = rng.sample(ids, len(ids) // 20)
        conn.execute(insert(Review), [
            {"interaction_id": i, "scorecard_id": i, "rubric_version_id": 1, "reviewer_id": 1,
             "score": round(rng.uniform(20, 100), 1), "comment": "", "created_at": NOW, "updated_at": NOW,
             "version": 1} for i in reviewed])
        conn.execute(insert(Dispute), [
            {"interaction_id": i, "criterion_id": rng.choice(CRITERIA)[0], "raised_by": 1,
             "reason": "I did what the criterion asks", "status": "open" if k < 300 else "rejected",
             "decided_by": None if k < 300 else 1, "decision_reason": None if k < 300 else "kept",
             "created_at": NOW - timedelta(hours=rng.randrange(24 * 60))}
            for k, i in enumerate(rng.sample(reviewed, 1000))])
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            for table in ("reviews", "disputes"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")


def interaction_filters(sessions) -> dict[str, dict]:
    """The Interactions page's filter sets the benchmark times (widget key -> value)."""
    from datetime import date

    from qa_coach.services import directory, interaction_search
    from qa_coach.services.interaction_search import DisputeFilter, SortOrder

    resolution = next(c for c in interaction_search.criterion_choices(sessions, 1) if c.label == "Resolution")
    team = next(t for t in directory.list_teams(sessions, 1) if t.name == "Team 3")
    return {
        "no filter": {},
        "team, score <= 60, lowest first": {"ix_team": team, "ix_score": (0, 60), "ix_sort": SortOrder.LOWEST_SCORE},
        "failed Resolution, 3 months, not reviewed": {"ix_failed": resolution, "ix_from": date(2026, 6, 1),
                                                      "ix_to": date(2026, 8, 31), "ix_reviewed": False},
        "search 'rep 4-', page 3": {"ix_search": "rep 4-", "ix_page": 2},
        "open disputes, least sure first": {"ix_disputed": DisputeFilter.OPEN, "ix_sort": SortOrder.LEAST_CONFIDENT},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default="sqlite:////tmp/qa_bench_ui.sqlite3")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    db = Database(args.url)
    db.upgrade()
    sessions = db.session_factory()
    from sqlalchemy import func, select

    from qa_coach.storage.models import InteractionRow

    with sessions() as s:
        have = s.scalar(select(func.count()).select_from(InteractionRow))
    if not have:
        generate_timed(db, args.n)
        have = args.n
    add_reviews_and_disputes(db)
    admin = UserRecord(1, "Bench admin", "bench@example.com", "admin", None)
    print(f"database: {args.url} ({have} interactions)")
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    data_seconds(sessions, args.runs)
    ok = True
    for page, cold in (("account", True), ("overview", True), ("overview", False), ("progress", True)):
        # account: the page that queries almost nothing, i.e. the harness's own cost, for scale
        median, times = render_seconds(sessions, admin, page, args.runs, cold)
        ok &= page == "account" or not cold or median < TARGET_S
        print(f"{page:9s} {'cold' if cold else 'warm'} median {median * 1000:.0f} ms over {len(times)} runs "
              f"({', '.join(f'{x * 1000:.0f}' for x in times)}) target < {TARGET_S * 1000:.0f} ms")
    for name, state in [*(("interactions: " + k, v) for k, v in interaction_filters(sessions).items()),
                        ("disputes inbox", {})]:
        page = "disputes" if name == "disputes inbox" else "interactions"
        median, times = render_seconds(sessions, admin, page, args.runs, True, state)
        ok &= median < TARGET_S
        print(f"{name:56s} median {median * 1000:.0f} ms over {len(times)} runs "
              f"({', '.join(f'{x * 1000:.0f}' for x in times)}) target < {TARGET_S * 1000:.0f} ms")
    db.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
