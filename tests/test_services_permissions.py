"""Permissions are enforced in the services: every service is tried by users who must not
get through (a representative reading another's data, a reviewer of another team ...).

``test_every_service_is_covered`` fails when a new public service function (in any module
of qa_coach.services, found by itself) is added without a crossing attempt here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

import qa_coach.services
from qa_coach.services import (
    account_recovery,
    analytics,
    auth,
    browser_sessions,
    calibration,
    coaching_report,
    dashboard,
    deep_links,
    demo_data,
    export,
    coaching,
    directory,
    dispute_inbox,
    disputes,
    ingest,
    interaction_search,
    practice,
    queries,
    reviews,
    rubrics,
    scoring,
    sentiment,
    threshold_calibration,
)
from qa_coach.services.errors import PermissionDeniedError
from tests.db_fixtures import SIGNALS, build_world, db, pg_shared, rubric_v2, write_chat  # noqa: F401

NOW = datetime.now(timezone.utc)
SINCE, UNTIL = NOW - timedelta(days=30), NOW + timedelta(days=1)


@dataclass(frozen=True)
class Setup:
    w: object
    ia1: int  # an interaction of rep a1 (team A)
    ia2: int  # rep a2 (team A)
    ib1: int  # rep b1 (team B)
    calib_a1: int  # a calibration session on ia1 (open)
    coaching_a1: int  # a coaching session of rep a1
    item_a1: int  # its action item
    dispute_a1: int  # an open dispute by a1 on ia1
    tmp: object  # a folder with a new chat file, new.txt


@pytest.fixture
def setup(db, tmp_path):
    w = build_world(db)

    def put(name, rep, polite):
        return ingest.ingest_file(w.sessions, w.admin, write_chat(tmp_path, name, "Ann", name, polite=polite),
                                  rubric_version_id=w.rubric_v1, representative=rep, signals=SIGNALS).interaction_ids[0]

    ia1, ia2, ib1 = put("a1.txt", "alice@example.com", False), put("a2.txt", "arun@example.com", True), put("b1.txt", "bea@example.com", False)
    reviews.save_review(w.sessions, w.reviewer_a, ia1, {"greeting": "yes"}, expected_version=None)
    cal = calibration.create_calibration(w.sessions, w.reviewer_a, ia1).id
    cs = coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a1, focus_criteria=("empathy",),
                                          action_items=(coaching.NewActionItem("apologise"),))
    d = disputes.raise_dispute(w.sessions, w.user_a1, ia1, "empathy", "I apologised")
    write_chat(tmp_path, "new.txt", "Ann", "new", polite=True)
    return Setup(w, ia1, ia2, ib1, cal, cs.id, cs.action_items[0].id, d.id, tmp_path)


def _threshold_calibration(s, applied: bool = False) -> int:
    """A threshold calibration of team A, made (and applied) by the admin."""
    cal = threshold_calibration.refit_thresholds(s.w.sessions, s.w.admin, s.w.team_a, s.w.rubric_v1, signals=SIGNALS)
    if applied:
        threshold_calibration.apply_threshold_calibration(s.w.sessions, s.w.admin, cal.id)
    return cal.id


# Each entry tries to read or change rep a1's data (team A) as ``who``.
ATTEMPTS = {
    "threshold_calibration.refit_thresholds": lambda s, who: threshold_calibration.refit_thresholds(
        s.w.sessions, who, s.w.team_a, s.w.rubric_v1, signals=SIGNALS),
    "threshold_calibration.apply_threshold_calibration": lambda s, who: threshold_calibration.apply_threshold_calibration(
        s.w.sessions, who, _threshold_calibration(s)),
    "threshold_calibration.revert_threshold_calibration": lambda s, who: (
        _threshold_calibration(s, applied=True),
        threshold_calibration.revert_threshold_calibration(s.w.sessions, who, s.w.team_a, s.w.rubric_v1)),
    "threshold_calibration.list_threshold_calibrations": lambda s, who: threshold_calibration.list_threshold_calibrations(
        s.w.sessions, who, s.w.team_a),
    "directory.create_team": lambda s, who: directory.create_team(s.w.sessions, who, "Team X"),
    "directory.create_representative": lambda s, who: directory.create_representative(
        s.w.sessions, who, name="X", team_id=s.w.team_a),
    "directory.create_user": lambda s, who: directory.create_user(
        s.w.sessions, who, name="X", email="x@x.example", role="admin"),
    "rubrics.register_rubric": lambda s, who: rubrics.register_rubric(s.w.sessions, who, rubric_v2()),
    "rubrics.delete_rubric_version": lambda s, who: rubrics.delete_rubric_version(s.w.sessions, who, s.w.rubric_v1),
    "ingest.ingest_file": lambda s, who: ingest.ingest_file(
        s.w.sessions, who, s.tmp / "new.txt", rubric_version_id=s.w.rubric_v1, representative="alice@example.com",
        signals=SIGNALS),
    "ingest.store_scored": lambda s, who: ingest.store_scored(
        s.w.sessions, who, _prescored(s), representative="alice@example.com", rubric_version_id=s.w.rubric_v1),
    "scoring.rescore": lambda s, who: scoring.rescore(s.w.sessions, who, [s.ia1], s.w.rubric_v1, signals=SIGNALS),
    "reviews.save_review": lambda s, who: reviews.save_review(s.w.sessions, who, s.ia1, {"closing": "no"}, expected_version=1),
    "reviews.get_review": lambda s, who: reviews.get_review(s.w.sessions, who, s.ia1),
    "disputes.raise_dispute": lambda s, who: disputes.raise_dispute(s.w.sessions, who, s.ia1, "closing", "unfair"),
    "disputes.decide_dispute": lambda s, who: disputes.decide_dispute(s.w.sessions, who, s.dispute_a1, accept=False, reason="no"),
    "calibration.create_calibration": lambda s, who: calibration.create_calibration(s.w.sessions, who, s.ia1),
    "calibration.submit_calibration": lambda s, who: calibration.submit_calibration(
        s.w.sessions, who, s.calib_a1, {"greeting": "no", "empathy": "no", "closing": "no"}),
    "calibration.close_calibration": lambda s, who: calibration.close_calibration(s.w.sessions, who, s.calib_a1),
    "calibration.get_calibration": lambda s, who: calibration.get_calibration(s.w.sessions, who, s.calib_a1),
    "calibration.calibration_results": lambda s, who: calibration.calibration_results(s.w.sessions, who, s.calib_a1),
    "coaching.create_coaching_session": lambda s, who: coaching.create_coaching_session(s.w.sessions, who, s.w.rep_a1),
    "coaching.acknowledge_coaching": lambda s, who: coaching.acknowledge_coaching(s.w.sessions, who, s.coaching_a1),
    "coaching.complete_action_item": lambda s, who: coaching.complete_action_item(s.w.sessions, who, s.item_a1),
    "coaching.update_coaching_notes": lambda s, who: coaching.update_coaching_notes(s.w.sessions, who, s.coaching_a1, notes="x"),
    "coaching.list_coaching_sessions": lambda s, who: coaching.list_coaching_sessions(s.w.sessions, who, s.w.rep_a1),
    "queries.list_interactions": lambda s, who: queries.list_interactions(s.w.sessions, who, representative_id=s.w.rep_a1),
    "queries.get_interaction": lambda s, who: queries.get_interaction(s.w.sessions, who, s.ia1),
    "deep_links.open_link": lambda s, who: _open_link(s, who),
    "queries.audit_log": lambda s, who: queries.audit_log(s.w.sessions, who),
    "analytics.rep_progress": lambda s, who: analytics.rep_progress(s.w.sessions, who, s.w.rep_a1),
    "analytics.team_overview": lambda s, who: analytics.team_overview(s.w.sessions, who, s.w.team_a),
    "analytics.automatic_vs_human": lambda s, who: analytics.automatic_vs_human(s.w.sessions, who, representative_id=s.w.rep_a1),
    "analytics.contact_kpis": lambda s, who: analytics.contact_kpis(s.w.sessions, who, representative_id=s.w.rep_a1),
    "analytics.review_sample": lambda s, who: analytics.review_sample(
        s.w.sessions, who, per_rep=5, since=SINCE, until=UNTIL, team_id=s.w.team_a),
    "export.export_records": lambda s, who: export.export_records(s.w.sessions, who, representative_id=s.w.rep_a1),
    "coaching_report.coaching_report_html": lambda s, who: coaching_report.coaching_report_html(s.w.sessions, who, s.w.rep_a1),
    "directory.find_representative": lambda s, who: directory.find_representative(s.w.sessions, who, "alice@example.com"),
    "sentiment.customer_sentiment": lambda s, who: sentiment.customer_sentiment(s.w.sessions, who, s.ia1, signals=SIGNALS),
    "auth.set_password": lambda s, who: auth.set_password(s.w.sessions, who, s.w.user_a1, "a new password"),
    "auth.set_active": lambda s, who: auth.set_active(s.w.sessions, who, s.w.user_a1, True),
    "auth.list_accounts": lambda s, who: auth.list_accounts(s.w.sessions, who),
    "dashboard.team_dashboard": lambda s, who: dashboard.team_dashboard(s.w.sessions, who, s.w.team_a),
    "dashboard.review_queue": lambda s, who: dashboard.review_queue(
        s.w.sessions, who, team_id=s.w.team_a, since=SINCE, until=UNTIL),
    "interaction_search.search_interactions": lambda s, who: interaction_search.search_interactions(
        s.w.sessions, who, interaction_search.InteractionFilters(representative_id=s.w.rep_a1)),
    "dispute_inbox.open_disputes": lambda s, who: dispute_inbox.open_disputes(s.w.sessions, who),
    "demo_data.load_demo": lambda s, who: demo_data.load_demo(
        s.w.sessions, who, s.tmp / "demo", weeks=1, per_week=1, signals=SIGNALS),
    "coaching.coaching_example": lambda s, who: coaching.coaching_example(s.w.sessions, who, *_linked_example(s)),
    "account_recovery.account_state": lambda s, who: account_recovery.account_state(
        s.w.sessions, who, "aliceu@users.example"),
    "account_recovery.unlock_account": lambda s, who: account_recovery.unlock_account(
        s.w.sessions, who, "aliceu@users.example"),
}


def _linked_example(s) -> tuple[int, int]:
    """A coaching session of rep a1 with ia1 linked as its example: (session id, interaction id)."""
    cs = coaching.create_coaching_session(s.w.sessions, s.w.coach_a, s.w.rep_a1, interaction_ids=(s.ia1,))
    return cs.id, s.ia1


def _prescored(s):
    from qa_coach.ingest import import_conversations
    from qa_coach.services.scorers import scorer_for
    from tests.db_fixtures import rubric_v1

    its = import_conversations(s.tmp / "new.txt")
    return list(zip(its, scorer_for(rubric_v1(), SIGNALS).score_many(its)))


# Listing services answer with what the user may see instead of refusing: for these the
# check is that nothing of rep a1 comes back.
SCOPED_LISTS = {
    "directory.list_representatives": lambda s, who: [r.id for r in directory.list_representatives(s.w.sessions, who)],
    "directory.list_teams": lambda s, who: [t.id for t in directory.list_teams(s.w.sessions, who)],
    "queries.list_interactions(all)": lambda s, who: [i.id for i in queries.list_interactions(s.w.sessions, who)],
    "disputes.list_disputes": lambda s, who: [d.interaction_id for d in disputes.list_disputes(s.w.sessions, who)],
    "coaching.list_coaching_sessions(all)": lambda s, who: [c.representative_id for c in coaching.list_coaching_sessions(s.w.sessions, who)],
    "analytics.review_sample(all)": lambda s, who: [i for ids in analytics.review_sample(
        s.w.sessions, who, per_rep=5, since=SINCE, until=UNTIL, include_reviewed=True).values() for i in ids],
    "analytics.low_confidence_queue(all)": lambda s, who: [i for i, _ in analytics.low_confidence_queue(
        s.w.sessions, who, threshold=1.01)],
    "analytics.contact_kpis(all)": lambda s, who: [analytics.contact_kpis(s.w.sessions, who).contacts],
    "export.export_records(all)": lambda s, who: [r["interaction_id"] for r in export.export_records(s.w.sessions, who)],
    "dashboard.list_calibrations": lambda s, who: [c.interaction_id for c in dashboard.list_calibrations(s.w.sessions, who)],
    "interaction_search.search_interactions(all)": lambda s, who: [
        r.id for r in interaction_search.search_interactions(s.w.sessions, who).rows],
    "dispute_inbox.open_disputes(all)": lambda s, who: [
        d.interaction_id for d in dispute_inbox.open_disputes(s.w.sessions, who).rows],
}

# Nothing personal: any active user may call these (rubric texts, a practice run that is not
# stored); the check is that an unknown or deactivated user is refused.
ANY_ACTIVE_USER = {
    "rubrics.list_rubric_versions": lambda s, who: rubrics.list_rubric_versions(s.w.sessions, who),
    "dashboard.get_rubric": lambda s, who: dashboard.get_rubric(s.w.sessions, who, s.w.rubric_v1),
    "interaction_search.criterion_choices": lambda s, who: interaction_search.criterion_choices(s.w.sessions, who),
    "browser_sessions.issue_token": lambda s, who: browser_sessions.issue_token(s.w.sessions, who, b"k" * 32),
    "practice.score_practice_file": lambda s, who: practice.score_practice_file(
        s.w.sessions, who, s.tmp / "new.txt", s.w.rubric_v1, signals=SIGNALS),
}

OUTSIDERS = ("user_a2", "user_b1", "reviewer_b")  # another rep of the team, a rep of team B, team B's reviewer
READ_ONLY_FOR_REP = {  # what rep a1 may do with their own data
    "reviews.get_review", "queries.list_interactions", "queries.get_interaction", "analytics.rep_progress",
    "deep_links.open_link",  # a link to their own interaction
    "analytics.contact_kpis", "coaching.list_coaching_sessions", "coaching.acknowledge_coaching",
    "coaching.complete_action_item", "disputes.raise_dispute", "export.export_records",
    "coaching_report.coaching_report_html", "directory.find_representative", "sentiment.customer_sentiment",
    "auth.set_password",  # their own password
    "interaction_search.search_interactions",
    "coaching.coaching_example",  # an example call linked to their own coaching session
}


@pytest.fixture
def prepared(setup):
    return setup


# Not about one team's data: who may call these depends on the role alone.
ROLE_ONLY = {  # the allowed role runs these in this order, and a later one deletes rubric version 1
    "threshold_calibration.refit_thresholds": ("admin",),
    "threshold_calibration.apply_threshold_calibration": ("admin",),
    "threshold_calibration.revert_threshold_calibration": ("admin",),
    "threshold_calibration.list_threshold_calibrations": ("admin",),
    "directory.create_team": ("admin",),
    "directory.create_representative": ("admin",),
    "directory.create_user": ("admin",),
    "rubrics.delete_rubric_version": ("admin",),
    "queries.audit_log": ("admin",),
    "rubrics.register_rubric": ("admin", "reviewer_a", "reviewer_b"),
    "auth.set_active": ("admin",),
    "auth.list_accounts": ("admin",),
    "demo_data.load_demo": ("admin",),
    "dispute_inbox.open_disputes": ("admin", "reviewer_a", "reviewer_b"),
    "account_recovery.account_state": ("admin",),
    "account_recovery.unlock_account": ("admin",),
}
EVERYONE = ("admin", "reviewer_a", "coach_a", "reviewer_b", "user_a1", "user_a2", "user_b1")


def _open_link(s, who):
    try:
        return deep_links.open_link(s.w.sessions, who, deep_links.INTERACTION, str(s.ia1))
    except deep_links.LinkNotFoundError as exc:  # its one answer for "not yours" and "not there"
        raise PermissionDeniedError(str(exc)) from exc


def _refused(call) -> bool:
    try:
        call()
    except PermissionDeniedError:
        return True
    return False


def test_role_only_services_refuse_other_roles(prepared):
    s = prepared
    through = [
        f"{name} as {who}"
        for name, allowed in sorted(ROLE_ONLY.items())
        for who in EVERYONE
        if who not in allowed and not _refused(lambda: ATTEMPTS[name](s, getattr(s.w, who)))
    ]
    assert not through, f"got through: {through}"
    for name, allowed in ROLE_ONLY.items():
        ATTEMPTS[name](s, getattr(s.w, allowed[-1]))  # the allowed role gets through


def test_outsiders_are_refused_by_every_service(prepared):
    s = prepared
    through = [
        f"{name} as {who}"
        for name in sorted(set(ATTEMPTS) - set(ROLE_ONLY))
        for who in OUTSIDERS
        if not _refused(lambda: ATTEMPTS[name](s, getattr(s.w, who)))
    ]
    assert not through, f"got through: {through}"


def test_the_representative_cannot_act_as_reviewer_coach_or_admin(prepared):
    s = prepared
    names = sorted(set(ATTEMPTS) - READ_ONLY_FOR_REP) + [
        "analytics.review_sample(all)", "analytics.low_confidence_queue(all)", "dashboard.list_calibrations"]
    table = {**ATTEMPTS, **SCOPED_LISTS}
    through = [name for name in names if not _refused(lambda: table[name](s, s.w.user_a1))]
    assert not through, f"got through: {through}"


def test_the_representative_reaches_their_own_data(prepared):
    for name in sorted(READ_ONLY_FOR_REP):
        ATTEMPTS[name](prepared, prepared.w.user_a1)  # raises if refused


def test_lists_show_outsiders_nothing_of_another_rep(prepared):
    s = prepared
    a1_values = {s.ia1, s.w.rep_a1}

    def seen(name, who):
        try:
            return SCOPED_LISTS[name](s, getattr(s.w, who))
        except PermissionDeniedError:
            return []

    for name in sorted(SCOPED_LISTS):
        for who in ("user_b1", "reviewer_b"):
            got = seen(name, who)
            if name == "analytics.contact_kpis(all)":
                assert got == [1], (name, who)  # b1's one interaction only
            elif name == "directory.list_teams":
                assert got == [s.w.team_b], (name, who)
            else:
                assert not a1_values & set(got), (name, who, got)
        got_a2 = seen(name, "user_a2")
        if name.startswith(("queries", "analytics.review", "analytics.low", "disputes", "export")):
            assert s.ia1 not in got_a2, (name, got_a2)
        elif name.startswith(("directory.list_rep", "coaching")):
            assert s.w.rep_a1 not in got_a2, (name, got_a2)


def test_team_staff_and_admin_see_team_a(prepared):
    s = prepared
    for who in (s.w.reviewer_a, s.w.coach_a, s.w.admin):
        assert {i.id for i in queries.list_interactions(s.w.sessions, who)} >= {s.ia1, s.ia2}
        assert queries.get_interaction(s.w.sessions, who, s.ia1).id == s.ia1
    assert s.ib1 not in {i.id for i in queries.list_interactions(s.w.sessions, s.w.reviewer_a)}
    assert s.ib1 in {i.id for i in queries.list_interactions(s.w.sessions, s.w.admin)}
    assert {i.id for i in queries.list_interactions(s.w.sessions, s.w.user_a1)} == {s.ia1}


def test_services_for_any_user_refuse_unknown_and_deactivated_users(prepared):
    s = prepared
    for name, call in sorted(ANY_ACTIVE_USER.items()):
        for who in EVERYONE:
            call(s, getattr(s.w, who))  # raises if refused
    auth.set_active(s.w.sessions, s.w.admin, s.w.user_b1, False)
    through = [f"{name} as {who}" for name in sorted(ANY_ACTIVE_USER) for who in (s.w.user_b1, 10_000)
               if not _refused(lambda: ANY_ACTIVE_USER[name](s, who))]
    assert not through, f"got through: {through}"


def test_a_user_changes_only_their_own_password_and_only_with_it(prepared):
    from qa_coach.services.auth import SignInError

    s = prepared
    auth.set_password(s.w.sessions, s.w.admin, s.w.user_a1, "the first password")
    with pytest.raises(SignInError):
        auth.change_own_password(s.w.sessions, s.w.user_a1, "a wrong guess", "a new password")
    auth.change_own_password(s.w.sessions, s.w.user_a1, "the first password", "a new password")
    assert auth.sign_in(s.w.sessions, "aliceu@users.example", "a new password").id == s.w.user_a1
    auth.set_active(s.w.sessions, s.w.admin, s.w.user_a1, False)
    with pytest.raises(PermissionDeniedError):  # a deactivated account changes nothing, even knowing its password
        auth.change_own_password(s.w.sessions, s.w.user_a1, "a new password", "another password")


def _service_modules():
    """Every module of qa_coach.services, found by walking the package."""
    return [importlib.import_module(info.name)
            for info in pkgutil.iter_modules(qa_coach.services.__path__, prefix="qa_coach.services.")]


def test_every_service_is_covered():
    covered = {n.split("(")[0] for n in set(ATTEMPTS) | set(SCOPED_LISTS) | set(ANY_ACTIVE_USER)}
    covered.add("auth.change_own_password")  # acts on the caller only: test_a_user_changes_only_their_own_password...
    exempt = {"directory.bootstrap_admin", "directory.local_admin",  # bootstrap: no user exists yet
              "ingest.run_ingest_job", "ingest.ingest_many",  # wrappers of ingest_file
              "demo_data.load_demo_calls",  # a wrapper of ingest_file for the demo's recordings
              "access.unit_of_work",  # not a use case: the transaction and acting user each one runs in
              "browser_sessions.end_sessions"}  # sign-out: acts on the caller's own account only
    modules = _service_modules()
    assert {"qa_coach.services.directory", "qa_coach.services.auth", "qa_coach.services.dashboard"} <= {
        m.__name__ for m in modules}
    public = set()
    for m in modules:
        for fname, fn in inspect.getmembers(m, inspect.isfunction):
            if fn.__module__ == m.__name__ and not fname.startswith("_"):
                params = list(inspect.signature(fn).parameters)
                if params[:1] == ["sessions"] and "user_id" in params:
                    public.add(f"{m.__name__.rsplit('.', 1)[1]}.{fname}")
    missing = public - covered - exempt
    assert not missing, f"services without a permission test: {sorted(missing)}"
    stale = covered - public
    assert not stale, f"permission tests of services that no longer exist: {sorted(stale)}"
