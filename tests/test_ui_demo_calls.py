"""The app's first start imports the demo's sample calls (real Whisper, tiny.en) with a
progress bar, and a later start finds nothing to do; the Interaction page of such a call
plays the recording, jumps to an evidence time, and shows its call metrics and the
customer's sentiment.

One recording is transcribed for the whole module: the first 15 s of sample call 01,
cut into a stereo WAV (agent left, customer right) so the test stays short.
"""

from __future__ import annotations

import json
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from qa_coach.services import demo_data, directory, queries
from qa_coach.services.records import UserRecord
from qa_coach.storage.database import Database
from qa_coach.ui import first_start
from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext
from tests.db_fixtures import SIGNALS
from tests.ui_fixtures import REPO, frame, texts

pytestmark = pytest.mark.slow  # transcribes a call with Whisper

SAMPLE_CALL = REPO / "sample_calls" / "calls" / "01_excellent_rep.ogg"
CLIP_SECONDS = 15.0


def _clip(target: Path) -> Path:
    """The first CLIP_SECONDS of the sample call, both channels, as 16-bit PCM WAV."""
    from qa_coach.ingest.audio.decode import SAMPLE_RATE, decode_audio

    audio = decode_audio(SAMPLE_CALL)
    pcm = np.stack([np.asarray(c[: int(CLIP_SECONDS * SAMPLE_RATE)]) for c in audio.channels], axis=1)
    with wave.open(str(target), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
    return target


@dataclass(frozen=True)
class FirstStart:
    ctx: AppContext
    job: first_start.DemoCallsJob
    first_run: AppTest  # the app while the calls were being imported
    later_run: AppTest  # the app once they were done
    interaction_id: int
    reviewer: UserRecord
    calls_dir: Path


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-calls")
    db = Database(f"sqlite:///{tmp / 'qa.sqlite3'}")
    db.upgrade()
    sessions = db.session_factory()
    admin = directory.local_admin(sessions).id
    demo_data.load_demo(sessions, admin, tmp / "history", weeks=1, per_week=1, signals=SIGNALS)
    calls = tmp / "calls"
    calls.mkdir()
    _clip(calls / "01_excellent_rep.wav")  # the same number as the sample: the same representative
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_data, "CALLS_DIR", calls)
        mp.setattr(demo_data, "DEMO_WHISPER_MODEL", "tiny.en")
        ctx = AppContext(sessions, SIGNALS, tmp / "audio")
        first = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        first.session_state[CONTEXT_KEY] = ctx
        first.run()
        job = first_start.demo_calls_job(ctx)
        deadline = time.monotonic() + 300
        while not job.finished and time.monotonic() < deadline:
            time.sleep(0.2)
        assert job.finished, "the sample call was not imported within 5 minutes"
        later = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        later.session_state[CONTEXT_KEY] = ctx
        later.run()
    rita = next(a for a in _accounts(sessions, admin) if a.email == "rita@demo.example")
    voice = [i for i in queries.list_interactions(sessions, admin) if i.channel == "voice"]
    assert len(voice) == 1, voice
    yield FirstStart(ctx, job, first, later, voice[0].id, UserRecord(rita.id, rita.name, rita.email, rita.role, None),
                     calls)
    db.dispose()


def _accounts(sessions, admin):
    from qa_coach.services import auth

    return auth.list_accounts(sessions, admin)


def _interaction_page(started: FirstStart) -> AppTest:
    from tests.ui_fixtures import _page_script

    at = AppTest.from_function(_page_script, args=("interaction",), default_timeout=60)
    at.session_state[CONTEXT_KEY] = started.ctx
    at.session_state[USER_KEY] = started.reviewer
    at.query_params["id"] = str(started.interaction_id)
    return at.run()


def _audio(at: AppTest):
    players = at.get("audio")
    assert len(players) == 1, "no audio player on the page"
    return players[0].proto


def test_first_start_shows_progress_and_imports_the_calls_once(started):
    bars = started.first_run.get("progress")
    assert len(bars) == 1 and "transcribing and scoring the demo team's 1 sample call" in bars[0].proto.text
    assert started.job.error is None and started.job.fraction == 1.0
    assert "1 sample call transcribed and scored" in started.job.message
    assert not started.later_run.get("progress") and not started.later_run.exception
    assert "Welcome to qa_coach" in texts(started.later_run)  # the admin's first-run screen is still there
    detail = queries.get_interaction(started.ctx.sessions, started.reviewer.id, started.interaction_id)
    assert (started.ctx.audio_dir / detail.audio_path).is_file()  # in the audio store, for the player
    # A later start (another process on the same database) finds nothing to do.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(demo_data, "CALLS_DIR", started.calls_dir)
        assert demo_data.pending_demo_calls(started.ctx.sessions) == ()
        later = AppContext(_fresh_sessions(started), SIGNALS, started.ctx.audio_dir)
        assert first_start.demo_calls_job(later).total == 0


def _fresh_sessions(started: FirstStart):
    """Another process's view of the same database (a later start)."""
    url = started.ctx.sessions.kw["bind"].url
    return Database(str(url)).session_factory()


def test_the_call_belongs_to_the_sample_number_representative(started):
    detail = queries.get_interaction(started.ctx.sessions, started.reviewer.id, started.interaction_id)
    reps = {r.id: r.email for r in directory.list_representatives(started.ctx.sessions, started.reviewer.id)}
    assert reps[detail.representative_id] == "olivia.grant@northwind.example"
    assert detail.interaction.channel.value == "voice"


def test_audio_player_jumps_to_an_evidence_time(started):
    at = _interaction_page(started)
    assert not at.exception
    assert _audio(at).start_time == 0
    detail = queries.get_interaction(started.ctx.sessions, started.reviewer.id, started.interaction_id)
    card = detail.scorecards[0].scorecard
    # A criterion whose evidence lies a second or more into the call (the customer's turn).
    result, index, ev = next((r, i, e) for r in card.results for i, e in enumerate(r.evidence)
                             if e.start is not None and e.start >= 1)
    box = at.selectbox(key="evidence_criterion")
    box.select_index(next(i for i, o in enumerate(box.options) if o.startswith(result.name))).run()
    assert _audio(at).start_time == 0  # choosing a criterion alone does not move the player
    at.button(key=f"play_{result.criterion_id}_{index}").click().run()
    assert not at.exception
    assert _audio(at).start_time == int(ev.start) >= 1


def test_call_metrics_and_sentiment_timeline_show_the_calls_values(started):
    at = _interaction_page(started)
    detail = queries.get_interaction(started.ctx.sessions, started.reviewer.id, started.interaction_id)
    m = detail.interaction.metrics
    table = frame(at, "Measure")  # in words and units: "Agent talk time" "64% (1 min 30 s)"
    shown = dict(zip(table["Measure"], table["Value"]))
    assert abs(m.duration - CLIP_SECONDS) < 0.1 and shown["Call length"] == f"{m.duration:.1f} s"
    assert m.agent_talk > 1 and m.customer_talk > 1
    agent, customer = (int(shown[f"{who} talk time"].split("%")[0]) for who in ("Agent", "Customer"))
    assert abs(agent - 100 * m.agent_talk_share) <= 0.5 and abs(agent + customer - 100) <= 1
    assert not shown["Talking over each other"].startswith("not measurable")  # stereo: overtalk is measured
    # The sentiment timeline: one point per customer turn, at that turn's index.
    assert "Customer sentiment" in texts(at)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    data = _chart_rows(charts[0].proto)
    customer = [t.index for t in detail.interaction.turns if t.role.value == "customer" and t.text.strip()]
    assert customer and [int(t) for t in data["turn"]] == customer
    assert all(-1 <= s <= 1 for s in data["sentiment"])


def _chart_rows(proto) -> dict:
    """The chart's inline data (Streamlit sends it as Arrow IPC bytes)."""
    import pyarrow as pa

    raw = proto.data.data if proto.HasField("data") else proto.datasets[0].data.data
    table = pa.ipc.open_stream(raw).read_all()
    assert json.loads(proto.spec)["mark"]["type"] == "line"
    return table.to_pydict()
