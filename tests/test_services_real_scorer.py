"""One end-to-end check with the real packaged models: what ingest stores is exactly what
``qa_coach.score`` says about the same conversation."""

from __future__ import annotations

from pathlib import Path

import pytest

import qa_coach
from qa_coach.domain.errors import ModelMissingError
from qa_coach.services import directory, ingest, queries, rubrics
from qa_coach.storage import Database

pytestmark = pytest.mark.slow  # the real models

SAMPLE = Path(__file__).resolve().parents[1] / "sample_calls" / "chats" / "01_excellent_rep_zendesk_qa.json"


def test_stored_scorecard_matches_the_public_api_with_real_models(tmp_path):
    rubric = qa_coach.load_rubric()
    interactions = qa_coach.import_conversations(SAMPLE)
    try:
        expected = qa_coach.score(interactions, rubric)
    except ModelMissingError as exc:
        pytest.skip(f"real models not installed: {exc}")
    db = Database(f"sqlite:///{tmp_path / 'real.sqlite3'}")
    db.upgrade()
    sessions = db.session_factory()
    admin = directory.bootstrap_admin(sessions, "Admin", "admin@example.com").id
    team = directory.create_team(sessions, admin, "Northwind").id
    directory.create_representative(sessions, admin, name="Olivia Grant", team_id=team,
                                    email="olivia.grant@northwind.example")
    version = rubrics.register_rubric(sessions, admin, rubric).id
    out = ingest.ingest_file(sessions, admin, SAMPLE, rubric_version_id=version)  # agent matched by email
    assert out.status == "stored", out.error
    stored = queries.get_interaction(sessions, admin, out.interaction_ids[0]).scorecards[0].scorecard
    assert stored == expected[0]
    db.dispose()
