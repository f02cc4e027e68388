"""One interaction: audio, transcript with evidence, sentiment, metrics, scorecard, override, disputes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from qa_coach.domain.call_metrics import readable
from qa_coach.domain.interaction import Role
from qa_coach.domain.people import UserRole
from qa_coach.domain.scorecard import BuiltInAnswer
from qa_coach.domain.statuses import DisputeStatus
from qa_coach.services import dashboard, disputes, queries, reviews, sentiment
from qa_coach.ui.components import clock, md, pct, plain_errors
from qa_coach.ui.context import context, current_user
from qa_coach.ui.flash import done

KEEP = "(automatic)"


def _interaction_id() -> int | None:
    raw = st.query_params.get("id")
    default = int(raw) if raw and raw.isdigit() else st.session_state.get("interaction_id")
    value = st.number_input("Interaction id", min_value=1, step=1, value=default, key="interaction_id_input")
    return int(value) if value else None


def render() -> None:
    ctx, user = context(), current_user()
    iid = _interaction_id()
    if iid is None:
        st.info("Open an interaction from the review queue, the team overview or your interactions.")
        return
    detail = queries.get_interaction(ctx.sessions, user.id, iid)
    it = detail.interaction
    current = detail.scorecards[0] if detail.scorecards else None
    card = current.scorecard if current else None
    st.caption(f"{it.channel.value} · {md(it.id)} · {it.started_at:%Y-%m-%d %H:%M}" if it.started_at else md(it.id))
    c = st.columns(3)
    c[0].metric("Automatic score", pct(card.score) if card else "–")
    c[1].metric("Human score", pct(detail.review.score) if detail.review else "not reviewed")
    c[2].metric("Lowest confidence", f"{min((r.confidence for r in card.results), default=1):.2f}" if card else "–")

    chosen = None
    if card:
        with_evidence = [r for r in card.results if r.evidence]
        chosen = st.selectbox("Highlight the evidence of", [None, *with_evidence], key="evidence_criterion",
                              format_func=lambda r: "(none)" if r is None else f"{r.name}: {r.answer_label}")
    _audio(detail, chosen)
    _transcript(it, chosen)
    _sentiment(ctx, user, iid)
    if it.metrics is not None:
        st.subheader("Call metrics")
        st.dataframe(pd.DataFrame([{"Measure": k, "Value": v} for k, v in readable(it.metrics)]),
                     hide_index=True, key="call_metrics")
    if card:
        _scorecard(card)
        if user.role in (UserRole.ADMIN, UserRole.REVIEWER):
            _override_form(ctx, user, detail, current)
    _disputes(ctx, user, detail, card)


def _audio(detail, chosen) -> None:
    if not detail.audio_path:
        return
    root = context().audio_dir
    path = (root / detail.audio_path) if root else None
    if path is None or not path.is_file():
        st.warning("The recording is not in the audio store on this machine.")
        return
    st.subheader("Recording")
    start = st.session_state.get("audio_start", 0)
    if chosen is not None:
        cols = st.columns(max(1, len(chosen.evidence)))
        for i, ev in enumerate(chosen.evidence):
            if ev.start is not None and cols[i].button(f"▶ {clock(ev.start)}", key=f"play_{chosen.criterion_id}_{i}"):
                start = st.session_state["audio_start"] = int(ev.start)
    st.audio(str(path), start_time=int(start))


def _transcript(it, chosen) -> None:
    st.subheader("Transcript")
    marked = {e.turn_index for e in chosen.evidence} if chosen else set()
    lines = []
    for t in it.turns:
        who = {Role.AGENT: "Agent", Role.CUSTOMER: "Customer"}.get(t.role, t.role.value.title())
        at = clock(t.start) if t.start is not None else (t.timestamp.strftime("%H:%M:%S") if t.timestamp else "")
        text = md(t.text.replace("\n", " "))
        if t.index in marked:
            text = f":orange-background[{text}]"
        lines.append(f"**{who}** `{at}` {text}" if at else f"**{who}** {text}")
    st.markdown("  \n".join(lines))
    if chosen:
        for ev in chosen.evidence:
            st.caption(f"Turn {ev.turn_index} {md(ev.time)}: “{md(ev.quote)}” — {md(ev.signal)}")


def _sentiment(ctx, user, iid: int) -> None:
    cache = st.session_state.setdefault("sentiment_cache", {})
    if iid not in cache:
        with st.spinner("Reading the customer's sentiment ..."):
            # ctx.signals: a test's stand-in, else None and the packaged models load only when needed
            turns = sentiment.customer_sentiment(ctx.sessions, user.id, iid, signals=ctx.signals)
        cache[iid] = pd.DataFrame({"turn": [t.turn_index for t in turns],
                                   "sentiment": [round(t.score, 3) for t in turns]}) if turns else None
    df = cache[iid]
    if df is None:
        return
    st.subheader("Customer sentiment")
    st.altair_chart(alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("turn:Q", title="Turn"), y=alt.Y("sentiment:Q", scale=alt.Scale(domain=[-1, 1]),
                                                 title="negative ← → positive")), width="stretch")


def _scorecard(card) -> None:
    st.subheader(f"Automatic scorecard ({md(card.rubric_id)} {md(card.rubric_version)})")
    if card.auto_failed:
        st.error("A critical criterion failed: the score is 0.")
    st.dataframe(pd.DataFrame([{
        "Section": r.section, "Criterion": r.name, "Answer": r.answer_label,
        "Points": "N/A" if r.na else f"{r.points:g} / {r.max_points:g}", "Confidence": round(r.confidence, 2),
        "Why": r.na_reason if r.na else r.rationale} for r in card.results]), hide_index=True, key="scorecard_table")


def _override_form(ctx, user, detail, current) -> None:
    st.subheader("Reviewer override")
    rubric = dashboard.get_rubric(ctx.sessions, user.id, current.rubric_version_id)
    prior = {a.criterion_id: a for a in detail.review.answers} if detail.review else {}
    with st.form("override_form"):
        for r in current.scorecard.results:
            crit = rubric.criterion(r.criterion_id)
            options = [KEEP, BuiltInAnswer.NA, *[o.key for o in crit.options]]
            labels = {KEEP: f"{KEEP}: {r.answer_label}", BuiltInAnswer.NA: "N/A",
                      **{o.key: o.label for o in crit.options}}
            before = prior.get(r.criterion_id)
            index = options.index(BuiltInAnswer.NA if before.na else before.answer) if before else 0
            cols = st.columns([2, 3])
            cols[0].selectbox(md(r.name), options, index=index, format_func=labels.get, key=f"ov_{r.criterion_id}")
            cols[1].text_input("Comment", value=before.comment if before else "", key=f"ovc_{r.criterion_id}")
        st.text_area("Overall comment", value=detail.review.comment if detail.review else "", key="ov_comment")
        submitted = st.form_submit_button("Save override")
    if submitted:
        answers = {}
        for r in current.scorecard.results:
            choice = st.session_state[f"ov_{r.criterion_id}"]
            if choice != KEEP:
                answers[r.criterion_id] = reviews.CriterionReview(choice, st.session_state[f"ovc_{r.criterion_id}"])
        if not answers:
            st.warning("Choose an answer for at least one criterion to override.")
            return
        with plain_errors():
            saved = reviews.save_review(ctx.sessions, user.id, detail.id, answers,
                                        expected_version=detail.review.version if detail.review else None,
                                        comment=st.session_state["ov_comment"])
            done(f"Override saved: human score {pct(saved.score)} (automatic score kept).")


def _disputes(ctx, user, detail, card) -> None:
    thread = [d for d in disputes.list_disputes(ctx.sessions, user.id) if d.interaction_id == detail.id]
    if not thread and user.role != UserRole.REPRESENTATIVE:
        return
    st.subheader("Disputes")
    names = {r.criterion_id: r.name for r in card.results} if card else {}
    rubric = dashboard.get_rubric(ctx.sessions, user.id, detail.scorecards[0].rubric_version_id) if card else None
    for d in thread:
        answers = _answer_labels(rubric, d.criterion_id)
        st.markdown(f"**{md(names.get(d.criterion_id, d.criterion_id))}** · {d.status} · raised "
                    f"{d.created_at:%Y-%m-%d}: {md(d.reason)}")
        if d.status != DisputeStatus.OPEN:
            st.caption(f"Decision: {md(d.decision_reason)}"
                       + (f" (new answer: {md(answers.get(d.new_answer, d.new_answer))})" if d.new_answer else ""))
        elif user.role in (UserRole.ADMIN, UserRole.REVIEWER):
            with st.form(f"decide_{d.id}"):
                reason = st.text_input("Reason", key=f"decide_reason_{d.id}")
                accept = st.radio("Decision", ["accept", "reject"], horizontal=True, key=f"decide_choice_{d.id}",
                                  format_func=str.capitalize)
                new = st.selectbox("New answer, if accepted", [None, *answers], key=f"decide_answer_{d.id}",
                                   format_func=lambda a: "Leave the answer as it is" if a is None else answers[a])
                if st.form_submit_button("Decide"):
                    with plain_errors():
                        disputes.decide_dispute(ctx.sessions, user.id, d.id, accept=accept == "accept", reason=reason,
                                                new_answer=new if accept == "accept" else None)
                        done(f"Decision saved: dispute on {md(names.get(d.criterion_id, d.criterion_id))} "
                             f"{'accepted' if accept == 'accept' else 'rejected'}.")
    if user.role == UserRole.REPRESENTATIVE and card:
        with st.form("dispute_form"):
            crit = st.selectbox("Criterion", [r.criterion_id for r in card.results], format_func=names.get,
                                key="dispute_criterion")
            reason = st.text_area("Why do you think this score is wrong?", key="dispute_reason")
            if st.form_submit_button("Raise dispute"):
                with plain_errors():
                    disputes.raise_dispute(ctx.sessions, user.id, detail.id, crit, reason)
                    done("Dispute raised: a reviewer will answer it.", clear=("dispute_reason",))


def _answer_labels(rubric, criterion_id: str) -> dict[str, str]:
    """The answers a criterion of ``rubric`` offers (N/A included), by key, as the rubric names them."""
    try:
        crit = rubric.criterion(criterion_id) if rubric else None
    except KeyError:
        crit = None
    if crit is None:
        return {}
    return {**{o.key: o.label for o in crit.options}, BuiltInAnswer.NA: "N/A"}
