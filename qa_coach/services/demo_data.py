"""Demo data: the sample chats and a few weeks of generated history for a small team, then
the sample call recordings.

History is generated from the sample conversations themselves (a better script for a
more skilled week), written as Zendesk-QA-import files and stored through the ordinary
ingest jobs, so the demo exercises the real import and scoring path. The recordings are
transcribed by Whisper, which takes minutes, so they are a separate step
(:func:`load_demo_calls`) that the app runs on its first start with a progress bar.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from qa_coach.domain.errors import QACoachError
from qa_coach.domain.file_types import is_audio
from qa_coach.domain.interaction import Interaction, Role
from qa_coach.domain.people import UserRole
from qa_coach.domain.signals import TextSignals
from qa_coach.domain.statuses import IngestStatus
from qa_coach.storage.models import IngestedFile, Team

from . import calibration, coaching, directory, ingest, reviews, rubrics
from .access import Sessions
from .records import IngestOutcome

DEMO_TEAM = "Demo team"
SAMPLES_DIR = Path(__file__).resolve().parents[2] / "sample_calls" / "chats"
CALLS_DIR = SAMPLES_DIR.parent / "calls"
# The Whisper model for the demo's recordings (the packaged default; see load_demo_calls).
DEMO_WHISPER_MODEL = "base"
# (sample file, its agent's role in the demo); ordered from best to weakest conversation.
_SAMPLE_REPS = {
    "01_excellent_rep_zendesk_qa.json": "olivia.grant@northwind.example",
    "02_average_rep_intercom.json": "marcus.bell@northwind.example",
    "03_poor_rep_plain_csv.csv": "derek.stone@northwind.example",
    "04_angry_customer_plain_text.txt": "priya.shah@northwind.example",
    "05_unresolved_issue_freshdesk.json": "marcus.bell@northwind.example",
    "06_billing_dispute_azure.json": "olivia.grant@northwind.example",
}
_QUALITY = {  # sample file → how good the agent is in it (0..1), from the sample scripts' own titles
    "01_excellent_rep_zendesk_qa.json": 0.95, "04_angry_customer_plain_text.txt": 0.9,
    "06_billing_dispute_azure.json": 0.85, "02_average_rep_intercom.json": 0.6,
    "05_unresolved_issue_freshdesk.json": 0.45, "03_poor_rep_plain_csv.csv": 0.15,
}


@dataclass(frozen=True)
class DemoRep:
    name: str
    email: str
    weeks_since_hire: int  # at the first generated week
    skill_start: float
    skill_end: float


DEMO_REPS = (
    DemoRep("Olivia Grant", "olivia.grant@northwind.example", 100, 0.85, 0.9),
    DemoRep("Marcus Bell", "marcus.bell@northwind.example", 50, 0.55, 0.6),
    DemoRep("Derek Stone", "derek.stone@northwind.example", 0, 0.15, 0.75),  # new hire, coached in week 2
    DemoRep("Priya Shah", "priya.shah@northwind.example", 1, 0.5, 0.85),  # new hire
)


@dataclass(frozen=True)
class DemoSummary:
    team_id: int
    representatives: int
    users: int
    files: int
    interactions: int
    reviews: int
    coaching_sessions: int


def load_demo(sessions: Sessions, user_id: int, folder: Path, *, weeks: int = 6, per_week: int = 4, seed: int = 0,
              now: datetime | None = None, signals: TextSignals | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> DemoSummary:
    """Create the demo team, its people and history. Refused when the demo team exists.

    ``progress(done, total, file_name)`` is called before each file is scored."""
    from qa_coach.ingest import import_conversations
    from qa_coach.rubric.loader import load_rubric

    if not SAMPLES_DIR.is_dir():
        raise QACoachError(f"the sample chats are not here ({SAMPLES_DIR}): run from a source checkout")
    with sessions() as s:
        if s.scalar(select(Team.id).where(Team.name == DEMO_TEAM)) is not None:
            raise QACoachError(f"the demo data is already loaded (team {DEMO_TEAM!r})")
    now = now or datetime.now(timezone.utc)
    rng = random.Random(seed)
    first_week = (now - timedelta(weeks=weeks)).date()
    first_week -= timedelta(days=first_week.weekday())
    team = directory.create_team(sessions, user_id, DEMO_TEAM)
    rep_ids = {}
    for r in DEMO_REPS:
        hired = first_week - timedelta(weeks=r.weeks_since_hire)
        rep_ids[r.email] = directory.create_representative(sessions, user_id, name=r.name, team_id=team.id,
                                                           email=r.email, hire_date=hired).id
    staff = {
        UserRole.REVIEWER: directory.create_user(sessions, user_id, name="Rita Reviewer", email="rita@demo.example",
                                                 role=UserRole.REVIEWER, team_ids=(team.id,)).id,
        UserRole.COACH: directory.create_user(sessions, user_id, name="Chris Coach", email="chris@demo.example",
                                              role=UserRole.COACH, team_ids=(team.id,)).id,
    }
    for r in DEMO_REPS:
        directory.create_user(sessions, user_id, name=r.name, email=f"{r.email.split('@')[0]}@users.demo.example",
                              role=UserRole.REPRESENTATIVE, representative_id=rep_ids[r.email])
    rubric = load_rubric(None)
    version = rubrics.register_rubric(sessions, user_id, rubric)

    folder.mkdir(parents=True, exist_ok=True)
    templates = {name: import_conversations(SAMPLES_DIR / name)[0] for name in _QUALITY}
    jobs: list[tuple[Path, str | None]] = [(SAMPLES_DIR / name, email) for name, email in _SAMPLE_REPS.items()]
    customers = [f"customer{i:02d}@example.com" for i in range(25)]
    for week in range(weeks):
        for r in DEMO_REPS:
            skill = r.skill_start + (r.skill_end - r.skill_start) * week / max(1, weeks - 1)
            tickets = []
            for k in range(per_week):
                name = _pick_template(rng, skill)
                day = first_week + timedelta(weeks=week, days=rng.randrange(5))
                start = datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60)), tzinfo=timezone.utc)
                csat = None if rng.random() < 0.3 else ("good" if rng.random() < 0.3 + 0.6 * _QUALITY[name] else "bad")
                tickets.append(_ticket(templates[name], f"demo-{r.email.split('.')[0]}-{week}-{k}", start, r,
                                       rng.choice(customers), csat))
            path = folder / f"week{week}_{r.email.split('@')[0]}.json"
            path.write_text(json.dumps({"tickets": tickets}, indent=1), encoding="utf-8")
            jobs.append((path, None))
    interaction_ids: list[int] = []
    for n, (path, rep) in enumerate(jobs):
        if progress is not None:
            progress(n, len(jobs), path.name)
        outcome = ingest.ingest_file(sessions, user_id, path, rubric_version_id=version.id, representative=rep,
                                     signals=signals)
        if outcome.status == IngestStatus.FAILED:
            raise QACoachError(f"demo data: {outcome.error}")
        interaction_ids += outcome.interaction_ids

    n_reviews = _reviews(sessions, staff[UserRole.REVIEWER], interaction_ids, rng, rubric)
    derek = rep_ids["derek.stone@northwind.example"]
    coached_at = datetime.combine(first_week + timedelta(weeks=2), time(8), tzinfo=timezone.utc)
    coaching.create_coaching_session(
        sessions, staff[UserRole.COACH], derek, held_at=coached_at, focus_criteria=("greeting", "empathy"),
        notes="Open with a greeting and your name; acknowledge the problem before fixing it.",
        action_items=(coaching.NewActionItem("Greet every customer with your name", coached_at.date() + timedelta(days=7)),
                      coaching.NewActionItem("Acknowledge the customer's frustration once per call",
                                             coached_at.date() + timedelta(days=14))),
        follow_up_on=coached_at.date() + timedelta(days=14),
    )
    calibration.create_calibration(sessions, staff[UserRole.REVIEWER], interaction_ids[0], title="Demo calibration")
    return DemoSummary(team.id, len(DEMO_REPS), len(DEMO_REPS) + 2, len(jobs), len(interaction_ids), n_reviews, 1)


def demo_call_files() -> tuple[Path, ...]:
    """The sample recordings in this checkout (none in an installed package without them)."""
    if not CALLS_DIR.is_dir():
        return ()
    return tuple(sorted(p for p in CALLS_DIR.iterdir() if is_audio(p)))


def pending_demo_calls(sessions: Sessions) -> tuple[Path, ...]:
    """The sample recordings the demo team still lacks; none when there is no demo team
    (a database the user filled themselves is left alone)."""
    files = demo_call_files()
    if not files:
        return ()
    shas = {_file_sha(str(f)): f for f in files}
    with sessions() as s:
        if s.scalar(select(Team.id).where(Team.name == DEMO_TEAM)) is None:
            return ()
        stored = set(s.scalars(select(IngestedFile.sha256).where(IngestedFile.sha256.in_(list(shas)))))
    return tuple(f for sha, f in shas.items() if sha not in stored)


def load_demo_calls(sessions: Sessions, user_id: int, files: tuple[Path, ...] | None = None, *,
                    signals: TextSignals | None = None, audio_dir: Path | None = None,
                    whisper_model: str | None = None,
                    progress: Callable[[float, str], None] | None = None) -> list[IngestOutcome]:
    """Transcribe, score and store the sample recordings (default: the pending ones) for the
    demo team, through the ordinary ingest: the recordings go to the audio store, so the
    Interaction page plays them. A file already stored is skipped by the ingest itself, so
    an interrupted run resumes where it stopped.

    ``progress(fraction, message)``: the fraction of all the files done, per Whisper step."""
    from qa_coach.ingest.audio.call import TranscribeOptions
    from qa_coach.rubric.loader import load_rubric

    files = pending_demo_calls(sessions) if files is None else files
    if not files:
        return []
    version = rubrics.register_rubric(sessions, user_id, load_rubric(None))
    options = TranscribeOptions(model=whisper_model or DEMO_WHISPER_MODEL)
    outcomes = []
    for n, path in enumerate(files):
        label = f"{path.name} ({n + 1} of {len(files)})"

        def step(fraction: float, message: str, n: int = n, label: str = label) -> None:
            if progress is not None:
                progress((n + fraction) / len(files), f"{label}: {message}")

        step(0.0, "starting")
        outcome = ingest.ingest_file(sessions, user_id, path, rubric_version_id=version.id,
                                     representative=_SAMPLE_REPS[_chat_twin(path)], signals=signals,
                                     audio_dir=audio_dir, transcribe=options, progress=step)
        if outcome.status == IngestStatus.FAILED:
            raise QACoachError(f"demo calls: {outcome.error}")
        outcomes.append(outcome)
    if progress is not None:
        progress(1.0, f"{len(files)} sample call{'s' if len(files) != 1 else ''} transcribed and scored")
    return outcomes


def _chat_twin(call: Path) -> str:
    """The sample chat with the same script as a recording (same number), whose rep it shares."""
    return next(name for name in _SAMPLE_REPS if name[:3] == call.name[:3])


@lru_cache(maxsize=32)
def _file_sha(path: str) -> str:
    return ingest.file_sha256(Path(path))


def _pick_template(rng: random.Random, skill: float) -> str:
    """A sample conversation whose quality lies near the rep's skill that week."""
    weights = [max(0.02, 1.0 - 3 * abs(q - skill)) for q in _QUALITY.values()]
    return rng.choices(list(_QUALITY), weights)[0]


def _ticket(template: Interaction, ticket_id: str, start: datetime, rep: DemoRep, customer: str, csat: str | None) -> dict:
    comments = []
    for i, t in enumerate(template.party_turns):
        agent = t.role is Role.AGENT
        comments.append({
            "id": f"{ticket_id}-{i}", "authorName": rep.name if agent else "Customer",
            "authorEmail": rep.email if agent else customer, "authorIsNotClient": agent, "public": True,
            "comment": t.text, "created": (start + timedelta(seconds=25 * i)).isoformat().replace("+00:00", "Z"),
        })
    return {
        "id": ticket_id, "subject": template.metadata.get("subject") or "Support", "status": "solved",
        "created": start.isoformat().replace("+00:00", "Z"), "channel": "chat", "assigneeEmail": rep.email,
        "assigneeName": rep.name, "customerEmail": customer, "customerName": customer.split("@")[0],
        "satisfactionScore": csat, "tags": ["demo"], "comments": comments,
    }


def _reviews(sessions: Sessions, reviewer: int, interaction_ids: list[int], rng: random.Random, rubric) -> int:
    """A reviewer checks one interaction in five, agreeing with most automatic answers."""
    from qa_coach.services.queries import get_interaction

    count = 0
    for iid in interaction_ids:
        if rng.random() >= 0.2:
            continue
        card = get_interaction(sessions, reviewer, iid).scorecards[0].scorecard
        answers = {}
        for r in card.results:
            if r.na or rng.random() > 0.25:
                continue
            answers[r.criterion_id] = rng.choice([o.key for o in rubric.criterion(r.criterion_id).options])
        if answers:
            reviews.save_review(sessions, reviewer, iid, answers, expected_version=None)
            count += 1
    return count
