"""Storage benchmark: with N generated interactions (default 100,000) and their criterion
scores, the median time of one representative's progress (trend, criteria, team and cohort
comparison) and of the team overview, and the rate of storing pre-scored records.

    python bench/bench_storage.py                       # SQLite in a temporary folder
    python bench/bench_storage.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test

Targets (issue 4): each query < 200 ms median; ingest >= 500 interactions/s.
A PostgreSQL run uses its own schema and drops it afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generate_storage_data import NOW, bench_rubric, generate_timed  # noqa: E402

from qa_coach.domain.interaction import Interaction, Role, SourceRef, Turn  # noqa: E402
from qa_coach.services import analytics, ingest  # noqa: E402
from qa_coach.services.answers import score_answers  # noqa: E402
from qa_coach.storage.database import Database  # noqa: E402


def median_ms(fn, runs: int) -> tuple[float, list[float]]:
    fn()  # warm-up (first query plans, caches)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t))
    return statistics.median(times), times


def prescored(n: int, rubric, offset: int) -> list:
    import random

    rng = random.Random(offset)
    items = []
    for i in range(n):
        turns = (Turn(0, Role.AGENT, f"Hello, this is Sam, ticket {offset + i}."),
                 Turn(1, Role.CUSTOMER, "My router keeps dropping."), Turn(2, Role.AGENT, "Sorry, I have fixed it."))
        it = Interaction(f"pre-{offset + i}", turns, SourceRef(None, "bench"), started_at=NOW - timedelta(hours=i))
        answers = {c.id: rng.choice([o.key for o in c.options]) for c in rubric.criteria}
        items.append((it, score_answers(rubric, answers)))
    return items


def run(url: str, n: int, runs: int, ingest_n: int, batch: int) -> None:
    schema = None
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(url, schema=schema)
    try:
        db.upgrade()
        ids = generate_timed(db, n)
        sessions = db.session_factory()
        admin, team, rep = ids["admin"], ids["team"], ids["rep"]
        trend, t1 = median_ms(lambda: analytics.rep_progress(sessions, admin, rep, weeks=12, now=NOW), runs)
        trend52, _ = median_ms(lambda: analytics.rep_progress(sessions, admin, rep, weeks=52, now=NOW), runs)
        overview, t2 = median_ms(lambda: analytics.team_overview(sessions, admin, team), runs)
        overview12, _ = median_ms(lambda: analytics.team_overview(sessions, admin, team, since=NOW - timedelta(weeks=12)), runs)
        print(f"[{db.engine.dialect.name}] rep progress (12 weeks): median {trend:.1f} ms over {runs} runs "
              f"(min {min(t1):.1f}, max {max(t1):.1f})")
        print(f"[{db.engine.dialect.name}] rep progress (52 weeks): median {trend52:.1f} ms")
        print(f"[{db.engine.dialect.name}] team overview (all time): median {overview:.1f} ms "
              f"(min {min(t2):.1f}, max {max(t2):.1f})")
        print(f"[{db.engine.dialect.name}] team overview (12 weeks): median {overview12:.1f} ms")

        rubric = bench_rubric()
        items = prescored(ingest_n, rubric, offset=10_000_000)
        t = time.perf_counter()
        stored = 0
        for k in range(0, ingest_n, batch):
            out = ingest.store_scored(sessions, admin, items[k:k + batch], representative="rep0_0@example.com",
                                      rubric_version_id=ids["rubric_version"])
            stored += len(out.interaction_ids)
        elapsed = time.perf_counter() - t
        print(f"[{db.engine.dialect.name}] ingest of pre-scored records: {stored} in {elapsed:.2f} s = "
              f"{stored / elapsed:.0f} interactions/s (batches of {batch})")
    finally:
        db.dispose()
        if schema:
            from sqlalchemy import create_engine, text

            with create_engine(url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default=None, help="database URL (default: a new SQLite file in a temporary folder)")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--ingest", type=int, default=2000, help="pre-scored records to store")
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()
    if args.url:
        run(args.url, args.n, args.runs, args.ingest, args.batch)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", args.n, args.runs, args.ingest, args.batch)


if __name__ == "__main__":
    main()
