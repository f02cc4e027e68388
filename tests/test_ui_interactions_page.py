"""Finding things: the Interactions page (search, filters, sort, pages, a row opens the call),
the review queue's low scores and failed critical criteria, and the Disputes inbox. Pages
through AppTest on SQLite; the services on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from qa_coach.rubric.loader import parse_rubric
from qa_coach.services import (dashboard, dispute_inbox, disputes, ingest, interaction_search, queries, reviews,
                                rubrics)
from qa_coach.services.errors import PermissionDeniedError, ValidationError
from qa_coach.services.interaction_search import DisputeFilter, InteractionFilters, SortOrder
from tests.db_fixtures import SIGNALS, db, pg_shared, world, write_chat, write_tickets, zendesk_ticket  # noqa: F401
from tests.ui_fixtures import frame, page_app, seeded, texts  # noqa: F401  (fixture)

# Greeting is worth a quarter, so a call that only greets scores 25%; "critical" makes a call
# without a greeting fail outright (score 0) under the second version.
QUARTER_RUBRIC = """\
id: quarter
name: Quarter rubric
version: 1
sections:
  - id: basics
    name: Basics
    criteria:
      - id: greeting
        name: Greeting
        weight: 25
        signals:
          hello: {type: pattern, speaker: agent, first: 1, patterns: ['\\b(hello|hi)\\b']}
        rules: [{answer: yes, when: hello}]
        otherwise: no
      - id: closing
        name: Closing
        weight: 75
        signals:
          bye: {type: pattern, speaker: agent, last: 2, patterns: ['anything else', 'have a (nice|good|great) day']}
        rules: [{answer: yes, when: bye}]
        otherwise: no
"""
CRITICAL_RUBRIC = QUARTER_RUBRIC.replace("version: 1", "version: 2").replace(
    "        weight: 25\n", "        weight: 25\n        critical: true\n")
GREETS_ONLY = "Agent: Hello, how can I help?\nCustomer: It is broken.\nAgent: Restart it.\nCustomer: Fine.\n"
WEEK = timedelta(days=7)


def _ingest_text(w, tmp_path, name: str, text: str, rep_email: str, rubric_text: str) -> int:
    version = rubrics.register_rubric(w.sessions, w.admin, parse_rubric(rubric_text, source="test rubric")).id
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out = ingest.ingest_file(w.sessions, w.admin, path, rubric_version_id=version, representative=rep_email,
                             signals=SIGNALS)
    assert out.status == "stored", out
    return out.interaction_ids[0]


def _ids(at: AppTest) -> list[int]:
    if "No interactions match." in texts(at):
        return []
    return list(frame(at, "Representative")["Id"])


def _failed_choice(at: AppTest, key: str, label: str):
    box = at.selectbox(key=key)
    assert label in box.options and label.lower() not in box.options  # offered by name, never by id
    return box.select_index(box.options.index(label))


# --- the Interactions page -------------------------------------------------------------------------------


def test_search_narrows_the_list(seeded):
    at = page_app(seeded, "interactions", "admin").run()
    assert not at.exception
    assert sorted(_ids(at)) == sorted([seeded.alice_polite, seeded.alice_rude, seeded.bea_polite])
    assert "Showing 1–3 of 3 interactions" in texts(at)
    at.text_input(key="ix_search").input("bea").run()
    assert _ids(at) == [seeded.bea_polite]
    assert list(frame(at, "Representative")["Representative"]) == ["Bea"]
    ticket = queries.get_interaction(seeded.world.sessions, seeded.world.admin, seeded.bea_polite).interaction.id
    at.text_input(key="ix_search").input(ticket[:8].upper()).run()  # part of the ticket id, in any case
    assert _ids(at) == [seeded.bea_polite]
    at.text_input(key="ix_search").input("nobody by that name").run()
    assert "No interactions match." in texts(at)


def test_filters_by_failed_criterion_chosen_by_name_and_sorts(seeded):
    at = page_app(seeded, "interactions", "reviewer").run()
    assert sorted(_ids(at)) == sorted([seeded.alice_polite, seeded.alice_rude])  # Bea is not in Rita's team
    _failed_choice(at, "ix_failed", "Greeting").run()
    assert _ids(at) == [seeded.alice_rude]
    assert list(frame(at, "Representative")["Failed"]) == ["Greeting, Empathy, Closing"]
    _failed_choice(at, "ix_failed", "Greeting").select_index(0).run()  # "Any or none" again
    at.selectbox(key="ix_sort").set_value(SortOrder.LOWEST_SCORE).run()
    assert _ids(at) == [seeded.alice_rude, seeded.alice_polite]
    at.selectbox(key="ix_sort").set_value(SortOrder.HIGHEST_SCORE).run()
    assert _ids(at) == [seeded.alice_polite, seeded.alice_rude]
    at.slider(key="ix_score").set_value((50, 100)).run()
    assert _ids(at) == [seeded.alice_polite]


def test_pages_through_many_interactions(seeded, tmp_path):
    w = seeded.world
    start = datetime(2026, 10, 1, 9, tzinfo=timezone.utc)
    tickets = [zendesk_ticket(f"arun-{i:02d}", (start + i * timedelta(hours=3)).isoformat().replace("+00:00", "Z"),
                              "arun@example.com", f"cust{i}@x.example", polite=i % 2 == 0) for i in range(27)]
    out = ingest.ingest_file(w.sessions, w.admin, write_tickets(tmp_path, "arun.json", tickets),
                             rubric_version_id=w.rubric_v1, signals=SIGNALS)
    assert out.status == "stored" and len(out.interaction_ids) == 27
    at = page_app(seeded, "interactions", "reviewer").run()
    assert "Showing 1–25 of 29 interactions" in texts(at)
    first = _ids(at)
    assert len(first) == 25
    at.button(key="ix_next").click().run()
    assert "Showing 26–29 of 29 interactions" in texts(at)
    second = _ids(at)
    assert len(second) == 4 and not set(first) & set(second)
    assert set(first) | set(second) == set(out.interaction_ids) | {seeded.alice_polite, seeded.alice_rude}
    rep = at.selectbox(key="ix_rep")
    rep.select_index(rep.options.index("Arun")).run()
    assert "Showing 1–25 of 27 interactions" in texts(at)  # a new filter starts again at the first page


def test_a_representative_sees_only_their_own_rows(seeded):
    at = page_app(seeded, "interactions", "bea").run()
    assert not at.exception
    assert _ids(at) == [seeded.bea_polite]
    assert "Team" not in [s.label for s in at.selectbox]  # nothing to choose from
    at.text_input(key="ix_search").input("alice").run()
    assert "No interactions match." in texts(at)
    at.text_input(key="ix_search").input(str(seeded.alice_polite)).run()  # another's call by its number
    assert seeded.alice_polite not in _ids(at)


def _routed(start: str) -> None:
    """The app's navigation with the signed-in user's pages, opened at ``start``."""
    import streamlit as st

    from qa_coach.ui import nav
    from qa_coach.ui.context import current_user

    current = st.navigation(nav.navigation_pages(current_user().role), position="hidden")
    if not st.session_state.get("test_started"):
        st.session_state["test_started"] = True
        st.switch_page(nav.page_object(start))
    current.run()


def _routed_app(seeded, start: str, as_user: str) -> AppTest:
    from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext

    at = AppTest.from_function(_routed, args=(start,), default_timeout=30)
    at.session_state[CONTEXT_KEY] = AppContext(seeded.world.sessions, SIGNALS, seeded.audio_dir)
    at.session_state[USER_KEY] = seeded.user(as_user)
    return at


def _choose_row(at: AppTest, key: str, row: int) -> AppTest:
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def test_choosing_a_row_opens_that_interaction(seeded):
    at = _routed_app(seeded, "interactions", "reviewer").run()
    assert not at.exception
    assert "Interactions" in [t.value for t in at.title]
    at.selectbox(key="ix_sort").set_value(SortOrder.LOWEST_SCORE).run()
    assert _ids(at)[0] == seeded.alice_rude
    _choose_row(at, "ix_table", 0)
    assert not at.exception
    assert "Interaction" in [t.value for t in at.title]
    assert at.query_params["id"] == str(seeded.alice_rude)
    assert "Automatic score=0%" in texts(at) and "**Agent** Yes?" in texts(at)


# --- the review queue --------------------------------------------------------------------------------------


def test_queue_lists_a_25_percent_call_under_score_at_most_60(seeded, tmp_path):
    w = seeded.world
    quarter = _ingest_text(w, tmp_path, "quarter.txt", GREETS_ONLY, "arun@example.com", QUARTER_RUBRIC)
    at = page_app(seeded, "queue", "reviewer").run()
    at.number_input(key="queue_per_rep").set_value(0).run()  # no random sample: only what needs a look
    at.slider(key="queue_max_score").set_value(60).run()
    assert not at.exception
    table = frame(at, "Failed")
    assert set(table["Id"]) == {quarter, seeded.alice_rude}
    row = table[table["Id"] == quarter].iloc[0]
    assert row["Score"] == "25%" and "low score" in row["Why"] and row["Failed"] == "Closing"
    _failed_choice(at, "queue_failed", "Greeting").run()
    assert set(frame(at, "Failed")["Id"]) == {seeded.alice_rude}


# --- the Disputes inbox --------------------------------------------------------------------------------------


def test_disputes_inbox_lists_an_open_dispute_and_opens_its_interaction(seeded):
    w = seeded.world
    disputes.raise_dispute(w.sessions, w.user_a1, seeded.alice_rude, "closing", "I did close politely")
    at = _routed_app(seeded, "disputes", "reviewer").run()
    assert not at.exception
    assert "Showing 1–1 of 1 open disputes" in texts(at)
    table = frame(at, "Reason")
    assert list(table["Criterion"]) == ["Closing"] and list(table["Reason"]) == ["I did close politely"]
    assert list(table["Representative"]) == ["Alice"] and list(table["Raised by"]) == ["AliceU"]
    _choose_row(at, "disputes_table", 0)
    assert at.query_params["id"] == str(seeded.alice_rude)
    assert "I did close politely" in texts(at)  # the interaction page's dispute thread


def test_disputes_inbox_is_empty_for_another_team_and_closed_to_representatives(seeded):
    w = seeded.world
    disputes.raise_dispute(w.sessions, w.user_a1, seeded.alice_rude, "closing", "I did close politely")
    rob = page_app(seeded, "disputes", "reviewer")
    from qa_coach.services.records import UserRecord
    from qa_coach.ui.context import USER_KEY

    rob.session_state[USER_KEY] = UserRecord(w.reviewer_b, "Rob", "rob@users.example", "reviewer", None)
    rob.run()
    assert "No open disputes" in texts(rob) and "I did close politely" not in texts(rob)
    alice = page_app(seeded, "disputes", "alice").run()
    assert "Not allowed" in texts(alice) and "I did close politely" not in texts(alice)


# --- the services, on SQLite and PostgreSQL ---------------------------------------------------------------


@pytest.fixture
def calls(world, tmp_path):
    """Alice: a polite and a rude chat; Arun: a chat that only greets (25% on the quarter rubric,
    version 2 makes the greeting critical: a rude chat scores 0 as a failed critical); Bea: polite."""
    w = world
    ids = {}
    for name, rep, polite in (("a_polite.txt", "alice@example.com", True), ("a_rude.txt", "alice@example.com", False),
                              ("b_polite.txt", "bea@example.com", True)):
        out = ingest.ingest_file(w.sessions, w.admin, write_chat(tmp_path, name, "Sam", f"{name}@cust.example",
                                                                 polite=polite, topic=name),
                                 rubric_version_id=w.rubric_v1, representative=rep, signals=SIGNALS)
        ids[name] = out.interaction_ids[0]
    ids["quarter"] = _ingest_text(w, tmp_path, "quarter.txt", GREETS_ONLY, "arun@example.com", QUARTER_RUBRIC)
    ids["critical"] = _ingest_text(w, tmp_path, "critical.txt", "Agent: Yes?\nCustomer: Broken.\n",
                                   "arun@example.com", CRITICAL_RUBRIC)
    return ids


def _search(w, who, **filters):
    return [r.id for r in interaction_search.search_interactions(w.sessions, who, InteractionFilters(**filters),
                                                                 limit=100).rows]


def test_search_is_limited_to_what_each_user_may_see(world, calls):
    w = world
    team_a = {calls["a_polite.txt"], calls["a_rude.txt"], calls["quarter"], calls["critical"]}
    assert set(_search(w, w.admin)) == team_a | {calls["b_polite.txt"]}
    assert set(_search(w, w.reviewer_a)) == team_a
    assert set(_search(w, w.coach_a)) == team_a
    assert set(_search(w, w.reviewer_b)) == {calls["b_polite.txt"]}
    assert set(_search(w, w.user_a1)) == {calls["a_polite.txt"], calls["a_rude.txt"]}
    assert calls["a_rude.txt"] not in _search(w, w.user_b1, text=str(calls["a_rude.txt"]))
    with pytest.raises(PermissionDeniedError):
        _search(w, w.reviewer_b, team_id=w.team_a)
    with pytest.raises(PermissionDeniedError):
        _search(w, w.user_b1, representative_id=w.rep_a1)


def test_search_filters_sorts_and_pages(world, calls):
    w = world
    assert _search(w, w.admin, text="ARUN") == [calls["critical"], calls["quarter"]]  # newest first
    ticket = queries.get_interaction(w.sessions, w.admin, calls["a_rude.txt"]).interaction.id
    assert _search(w, w.admin, text=ticket[3:12].upper()) == [calls["a_rude.txt"]]
    assert _search(w, w.admin, text="_") == [] and _search(w, w.admin, text="%") == []  # searched as typed
    assert _search(w, w.admin, team_id=w.team_b) == [calls["b_polite.txt"]]
    assert set(_search(w, w.admin, representative_id=w.rep_a2)) == {calls["quarter"], calls["critical"]}
    assert set(_search(w, w.admin, min_score=20, max_score=30)) == {calls["quarter"]}
    assert set(_search(w, w.admin, failed_criterion="empathy")) == {calls["a_rude.txt"]}
    assert set(_search(w, w.admin, failed_criterion="greeting")) == {calls["a_rude.txt"], calls["critical"]}
    assert _search(w, w.admin, channel="voice") == []
    assert len(_search(w, w.admin, channel="chat")) == 5
    assert _search(w, w.admin, since=datetime.now(timezone.utc) + WEEK) == []
    assert len(_search(w, w.admin, until=datetime.now(timezone.utc) + WEEK)) == 5
    by_score = _search(w, w.admin, sort=SortOrder.LOWEST_SCORE)
    assert by_score[-2:] == sorted([calls["a_polite.txt"], calls["b_polite.txt"]], reverse=True)  # 100%, newest first
    assert by_score[2] == calls["quarter"]
    assert _search(w, w.admin, sort=SortOrder.HIGHEST_SCORE)[2] == calls["quarter"]
    assert _search(w, w.admin, sort=SortOrder.OLDEST) == list(reversed(_search(w, w.admin)))

    reviews.save_review(w.sessions, w.reviewer_a, calls["a_rude.txt"], {"greeting": "yes"}, expected_version=None)
    assert _search(w, w.admin, reviewed=True) == [calls["a_rude.txt"]]
    assert calls["a_rude.txt"] not in _search(w, w.admin, reviewed=False)
    d = disputes.raise_dispute(w.sessions, w.user_a1, calls["a_polite.txt"], "closing", "fine")
    assert _search(w, w.admin, disputed=DisputeFilter.OPEN) == [calls["a_polite.txt"]]
    disputes.decide_dispute(w.sessions, w.reviewer_a, d.id, accept=False, reason="kept")
    assert _search(w, w.admin, disputed=DisputeFilter.OPEN) == []
    assert _search(w, w.admin, disputed=DisputeFilter.EVER) == [calls["a_polite.txt"]]
    assert calls["a_polite.txt"] not in _search(w, w.admin, disputed=DisputeFilter.NEVER)

    everyone = _search(w, w.admin)
    pages = [interaction_search.search_interactions(w.sessions, w.admin, offset=o, limit=2) for o in (0, 2, 4)]
    assert [r.id for p in pages for r in p.rows] == everyone
    assert [p.total for p in pages] == [5, 5, 5] and [p.has_next for p in pages] == [True, True, False]
    row = next(r for r in pages[0].rows + pages[1].rows + pages[2].rows if r.id == calls["a_rude.txt"])
    assert (row.representative, row.team, row.score, row.human_score) == ("Alice", "Team A", 0, 30)
    assert row.failed == ("Greeting", "Empathy", "Closing")
    with pytest.raises(ValidationError):
        interaction_search.search_interactions(w.sessions, w.admin, InteractionFilters(min_score=80, max_score=20))


def test_criterion_choices_are_names(world, calls):
    labels = {c.criterion_id: c.label for c in interaction_search.criterion_choices(world.sessions, world.admin)}
    assert labels == {"greeting": "Greeting", "empathy": "Empathy", "closing": "Closing"}


def test_review_queue_includes_low_scores_and_failed_critical_criteria(world, calls):
    w = world
    span = dict(since=datetime.now(timezone.utc) - WEEK, until=datetime.now(timezone.utc) + WEEK)
    quiet = dict(per_rep=0, low_confidence=0.0)  # no random sample and no low-confidence reason
    rows = dashboard.review_queue(w.sessions, w.reviewer_a, max_score=60, **span, **quiet)
    assert [r.interaction_id for r in rows] == [calls["critical"], calls["a_rude.txt"], calls["quarter"]]
    assert [(r.failed_critical, r.low_score) for r in rows] == [(True, True), (False, True), (False, True)]
    assert rows[2].score == 25 and rows[2].failed == ("Closing",)
    only_critical = dashboard.review_queue(w.sessions, w.reviewer_a, low_score=-1, **span, **quiet)
    assert [r.interaction_id for r in only_critical] == [calls["critical"]]


def test_dispute_inbox_oldest_first_open_only_and_teams_only(world, calls):
    w = world
    first = disputes.raise_dispute(w.sessions, w.user_a1, calls["a_rude.txt"], "closing", "first")
    second = disputes.raise_dispute(w.sessions, w.user_a1, calls["a_polite.txt"], "greeting", "second")
    third = disputes.raise_dispute(w.sessions, w.user_a1, calls["a_rude.txt"], "empathy", "third")
    other_team = disputes.raise_dispute(w.sessions, w.user_b1, calls["b_polite.txt"], "closing", "bea's")
    disputes.decide_dispute(w.sessions, w.reviewer_a, second.id, accept=False, reason="kept")
    inbox = dispute_inbox.open_disputes(w.sessions, w.reviewer_a)
    assert [d.id for d in inbox.rows] == [first.id, third.id] and inbox.total == 2
    assert [d.criterion for d in inbox.rows] == ["Closing", "Empathy"]
    assert inbox.rows[0].raised_by == "AliceU" and inbox.rows[0].team == "Team A"
    assert [d.id for d in dispute_inbox.open_disputes(w.sessions, w.reviewer_b).rows] == [other_team.id]
    assert [d.id for d in dispute_inbox.open_disputes(w.sessions, w.admin, offset=1, limit=1).rows] == [third.id]
    for who in (w.user_a1, w.coach_a):
        with pytest.raises(PermissionDeniedError):
            dispute_inbox.open_disputes(w.sessions, who)


def test_names_and_dispute_reasons_are_shown_as_typed(seeded):
    from tests.test_privacy_and_encoding import EVIL, _assert_shown_as_text

    w = seeded.world
    disputes.raise_dispute(w.sessions, w.user_a1, seeded.alice_rude, "closing", f"Reason {EVIL}")
    at = page_app(seeded, "interactions", "reviewer").run()
    _assert_shown_as_text(at)
    table = frame(at, "Representative")
    assert list(table[table["Id"] == seeded.alice_rude]["Open disputes"]) == ["1"]
    inbox = page_app(seeded, "disputes", "reviewer").run()
    _assert_shown_as_text(inbox)
    assert list(frame(inbox, "Reason")["Reason"]) == [f"Reason {EVIL}"]
