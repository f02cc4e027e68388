"""Server-side render time of the team overview and a representative's progress page.

Builds (or reuses) the 100,000-interaction bench database, then renders each page with
Streamlit's AppTest (the whole page script: services, queries, charts) and reports the
median of several runs; the first run of each page warms caches and is not counted.

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


def render_seconds(sessions, user: UserRecord, page: str, runs: int, cold: bool) -> tuple[float, list[float]]:
    """``cold``: st.cache_data is emptied before each run, so every query runs."""
    import streamlit as st

    from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext

    times = []
    for i in range(runs + 1):
        if cold:
            st.cache_data.clear()
        at = AppTest.from_function(_page, args=(page,), default_timeout=120)
        at.session_state[CONTEXT_KEY] = AppContext(sessions, None, None)
        at.session_state[USER_KEY] = user
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

    from qa_coach.services import analytics, coaching, dashboard
    from qa_coach.storage.models import utcnow

    since = utcnow() - timedelta(weeks=12)
    calls = {
        "overview data": lambda: (dashboard.team_dashboard(sessions, 1, 1),
                                  analytics.contact_kpis(sessions, 1, team_id=1, since=since),
                                  analytics.team_overview(sessions, 1, 1, since=since),
                                  analytics.automatic_vs_human(sessions, 1, team_id=1)),
        "progress data": lambda: (analytics.rep_progress(sessions, 1, 1),
                                  coaching.list_coaching_sessions(sessions, 1, 1)),
    }
    for name, call in calls.items():
        median, times = median_ms(call, runs)
        print(f"{name:14s} median {median:.0f} ms over {len(times)} runs")


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
    db.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
