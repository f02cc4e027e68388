"""The qa-coach command end to end, with the real offline models."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from qa_coach.cli import main

pytestmark = pytest.mark.slow  # the real models

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "docs" / "scorecard.schema.json").read_text())
CORE = ("greeting", "active_listening", "empathy", "apology", "resolution")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_azure_chat_scores_every_core_criterion_with_quoted_evidence(extdata) -> None:
    path = extdata("chat", "azure_customer_support_chat", "Json_input_customer_support.json")
    code, out, _ = run("score", str(path), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["errors"] == []
    (card,) = report["scorecards"]
    jsonschema.validate(card, SCHEMA)
    raw = json.loads(path.read_text())
    texts = [item["text"] for conv in raw["analysisInput"]["conversations"] for item in conv["conversationItems"]]
    by_id = {c["id"]: c for c in card["criteria"]}
    for cid in CORE:
        crit = by_id[cid]
        assert crit["evidence"], f"{cid} has no evidence"
        for ev in crit["evidence"]:
            # every quote is verbatim words of the conversation (whitespace folded)
            assert any(" ".join(ev["quote"].split()) in " ".join(t.split()) for t in texts), ev
        assert crit["rationale"]
    # this chat greets, apologises and resolves: a reviewer would credit all three
    assert by_id["greeting"]["answer"] == "yes"
    assert by_id["apology"]["answer"] == "yes"
    assert by_id["resolution"]["answer"] in ("yes", "partial")
    assert 0 <= card["score"] <= 100


def test_abcd_sample_chats_all_import_and_score(extdata) -> None:
    path = extdata("chat", "abcd", "abcd_sample.json")
    code, out, _ = run("score", str(path), "--json")
    assert code == 0
    report = json.loads(out)
    assert len(report["scorecards"]) == 3 and report["errors"] == []
    for card in report["scorecards"]:
        jsonschema.validate(card, SCHEMA)
        assert {c["id"] for c in card["criteria"]} >= set(CORE)


def test_readable_scorecard_for_the_sample_chats() -> None:
    code, out, err = run("score", str(REPO / "sample_calls" / "chats"))
    assert code == 0, err
    assert out.count("Score: ") == 6
    assert "Representative: Olivia Grant" in out
    assert 'turn 1, agent] "' in out  # evidence lines quote turns


def test_sample_chats_rank_as_their_scripts_say() -> None:
    code, out, _ = run("score", str(REPO / "sample_calls" / "chats"), "--json")
    cards = {Path(c["interaction"]["source"]["path"]).name[:2]: c for c in json.loads(out)["scorecards"]}
    score = {k: c["score"] for k, c in cards.items()}
    assert score["01"] > score["02"] > score["03"]
    assert score["01"] >= 85 and score["03"] <= 40
    answers = {k: {x["id"]: x["answer"] for x in c["criteria"]} for k, c in cards.items()}
    assert answers["03"]["greeting"] == "no" and answers["01"]["greeting"] == "yes"
    assert answers["05"]["resolution"] == "no"


def test_bad_file_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"analysisInput": {"conversations": [')
    code, out, err = run("score", str(bad))
    assert code == 2
    assert "broken.json" in err and "Traceback" not in err + out


def test_no_agent_turn_is_reported_not_crashed(tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    f.write_text("Customer: hello?\nCustomer: anyone there?\n")
    code, out, err = run("score", str(f))
    assert code == 2 and "no agent turn" in err and "c.txt" in err


def test_rubric_validate_and_test_commands() -> None:
    code, out, _ = run("rubric", "validate", str(REPO / "rubrics" / "default.yaml"))
    assert code == 0 and "OK" in out and "active_listening" in out
    code, out, _ = run("rubric", "test", str(REPO / "rubrics" / "default.yaml"))
    assert code == 0, out
    assert "0 failed" in out


def test_rubric_validate_reports_place_of_error(tmp_path: Path) -> None:
    bad = tmp_path / "team.yaml"
    bad.write_text((REPO / "rubrics" / "default.yaml").read_text().replace("weight: 30", "weight: 25", 1))
    code, _, err = run("rubric", "validate", str(bad))
    assert code == 2 and "team.yaml" in err and "add up to 95, not 100" in err


def test_same_input_same_json(extdata) -> None:
    path = str(extdata("chat", "abcd", "abcd_sample.json"))
    assert run("score", path, "--json")[1] == run("score", path, "--json")[1]


@pytest.mark.parametrize("fmt", ["zendesk-qa", "nonsense"])
def test_format_override(fmt: str) -> None:
    path = REPO / "sample_calls" / "chats" / "01_excellent_rep_zendesk_qa.json"
    code, out, err = run("score", str(path), "--format", fmt)
    if fmt == "nonsense":
        assert code == 2 and "nonsense" in err
    else:
        assert code == 0 and "Score: " in out
