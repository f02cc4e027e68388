"""Synthetic QA history for the storage benchmark: teams, reps and N interactions with
their current automatic scorecards and per-criterion scores, bulk-inserted.

    python bench/generate_storage_data.py --url sqlite:////tmp/qa_bench.sqlite3 --n 100000
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert  # noqa: E402

from qa_coach.storage.database import Database  # noqa: E402
from qa_coach.storage.models import (  # noqa: E402
    AutoScorecard,
    CriterionScore,
    InteractionRow,
    Representative,
    RubricVersion,
    Team,
    User,
    UserTeam,
)

CRITERIA = (("greeting", "Greeting", 10), ("active_listening", "Active listening", 20), ("empathy", "Empathy", 15),
            ("apology", "Apology", 10), ("resolution", "Resolution", 30), ("closing", "Closing", 10),
            ("professionalism", "Professionalism", 5))
NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def bench_rubric_yaml() -> str:
    """A rubric with the benchmark's seven yes/no criteria (its own, so the benchmark does
    not depend on rubrics/default.yaml)."""
    lines = ["id: bench", "name: Benchmark rubric", "version: 1", "sections:"]
    for cid, name, weight in CRITERIA:
        lines += [f"  - id: s_{cid}", f"    name: {name}", "    criteria:", f"      - id: {cid}", f"        name: {name}",
                  f"        weight: {weight}", "        signals:",
                  f"          hit: {{type: pattern, speaker: agent, patterns: ['\\b{cid.split('_')[0]}\\b']}}",
                  "        rules: [{answer: yes, when: hit}]", "        otherwise: no"]
    return "\n".join(lines) + "\n"


def bench_rubric():
    from qa_coach.rubric.loader import parse_rubric

    return parse_rubric(bench_rubric_yaml(), source="bench rubric")


def generate(db: Database, n: int, *, teams: int = 10, reps_per_team: int = 10, weeks: int = 52, seed: int = 0,
             chunk: int = 5000) -> dict[str, int]:
    """Insert the data; returns ids the benchmark needs (an admin, a team, a rep, the rubric version)."""
    rng = random.Random(seed)
    rubric = bench_rubric()
    with db.engine.begin() as conn:
        conn.execute(insert(User), [{"name": "Bench admin", "email": "bench@example.com", "role": "admin",
                                     "active": True, "created_at": NOW}])
        conn.execute(insert(RubricVersion), [{"rubric_key": rubric.id, "name": rubric.name, "version": rubric.version,
                                              "sha256": rubric.sha256, "yaml_text": rubric.source_text,
                                              "created_at": NOW}])
        conn.execute(insert(Team), [{"name": f"Team {t}", "created_at": NOW} for t in range(teams)])
        conn.execute(insert(Representative), [
            {"team_id": t + 1, "name": f"Rep {t}-{r}", "email": f"rep{t}_{r}@example.com",
             "hire_date": (NOW - timedelta(weeks=rng.randrange(4, 120))).date(), "created_at": NOW}
            for t in range(teams) for r in range(reps_per_team)
        ])
        conn.execute(insert(UserTeam), [{"user_id": 1, "team_id": 1}])
    n_reps = teams * reps_per_team
    skill = [rng.uniform(0.3, 0.95) for _ in range(n_reps)]
    next_id = 1
    while next_id <= n:
        size = min(chunk, n - next_id + 1)
        its, cards, crits = [], [], []
        for i in range(next_id, next_id + size):
            rep = 1 + (i % n_reps)
            at = NOW - timedelta(seconds=rng.randrange(weeks * 7 * 86400))
            its.append({
                "id": i, "content_hash": hashlib.sha256(f"bench-{seed}-{i}".encode()).hexdigest(),
                "external_id": f"b{i}", "representative_id": rep, "file_id": None, "channel": "chat",
                "occurred_at": at, "language": "en", "customer_key": f"c{rng.randrange(n // 3 + 1)}@example.com",
                "source_path": None, "source_format": "bench", "source_locator": None,
                "duration_seconds": rng.uniform(120, 900),
                "turns": [{"index": 0, "role": "agent", "text": "Hello, how can I help?"},
                          {"index": 1, "role": "customer", "text": "My router is down."}],
                "metadata": {"csat": rng.choice(["good", "bad", None]), "_started_known": True},
                "call_metrics": None, "people": {}, "audio_path": None, "ingested_at": NOW,
            })
            earned = possible = 0.0
            conf = 1.0
            for pos, (cid, name, weight) in enumerate(CRITERIA):
                na = cid == "apology" and rng.random() < 0.5
                ok = rng.random() < skill[rep - 1]
                points = 0.0 if na else (weight if ok else 0.0)
                c = round(rng.uniform(0.3, 1.0), 3)
                conf = min(conf, c)
                if not na:
                    earned, possible = earned + points, possible + weight
                crits.append({
                    "scorecard_id": i, "position": pos, "criterion_id": cid, "name": name, "section": name,
                    "answer": None if na else ("yes" if ok else "no"), "answer_label": "N/A" if na else ("Yes" if ok else "No"),
                    "points": points, "max_points": weight, "weight": weight, "na": na, "na_reason": None,
                    "critical": False, "failed_critical": False, "confidence": c, "rationale": "bench",
                    "evidence": [],
                })
            cards.append({
                "id": i, "interaction_id": i, "rubric_version_id": 1, "representative_id": rep, "occurred_at": at,
                "score": round(100 * earned / possible, 2), "auto_failed": False, "min_confidence": conf,
                "sections": [], "is_current": True, "created_at": NOW,
            })
        with db.engine.begin() as conn:
            conn.execute(insert(InteractionRow), its)
            conn.execute(insert(AutoScorecard), cards)
            conn.execute(insert(CriterionScore), crits)
        next_id += size
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with db.engine.begin() as conn:
            for table in ("interactions", "auto_scorecards", "criterion_scores"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"admin": 1, "team": 1, "rep": 1, "rubric_version": 1}


def generate_timed(db: Database, n: int, *, seed: int = 0) -> dict[str, int]:
    """:func:`generate`, saying how long it took."""
    t = time.perf_counter()
    ids = generate(db, n, seed=seed)
    print(f"[{db.engine.dialect.name}] generated {n} interactions "
          f"({n * len(CRITERIA)} criterion scores) in {time.perf_counter() - t:.1f} s")
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    db = Database(args.url)
    db.upgrade()
    generate_timed(db, args.n, seed=args.seed)


if __name__ == "__main__":
    main()
