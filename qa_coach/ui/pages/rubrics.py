"""Rubrics: view stored versions, validate and upload a new one, run its example tests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import dashboard, directory, rubric_examples, rubrics, threshold_calibration
from qa_coach.ui.components import md, plain_errors
from qa_coach.ui.context import context, current_user, signals
from qa_coach.ui.flash import done


def _criteria_table(rubric, key: str) -> None:
    st.dataframe(pd.DataFrame([{"Section": c.section, "Criterion": c.name, "Id": c.id, "Weight": c.weight,
                                "Answers": " / ".join(o.label for o in c.options), "Critical": c.critical}
                               for c in rubric.criteria]), hide_index=True, key=key)


def _examples(rubric, key: str) -> None:
    if not rubric.examples:
        st.write("This rubric has no example tests.")
        return
    if st.button(f"Run its {len(rubric.examples)} example tests", key=key):
        with st.spinner("Scoring the examples ..."):
            report = rubric_examples.run_examples(rubric, signals())
        failed = [o for o in report.outcomes if o.mismatches]
        (st.error if failed else st.success)(f"{len(report.outcomes) - len(failed)} of {len(report.outcomes)} examples pass.")
        for o in failed:
            for m in o.mismatches:
                st.markdown(f"- example **{md(o.example_id)}**, {md(m.criterion_id)}: expected {md(m.expected)}, "
                            f"got {md(m.actual)} ({md(m.rationale)})")


def _kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _calibration_table(record) -> None:
    rows = []
    for f in record.fits:
        rows.append({
            "Criterion": f.criterion_id, "Answers": f.answers, "Overrides": f.disagreements, "Held out": f.held_out,
            "κ before": _kappa(f.kappa_before), "κ after": _kappa(f.kappa_after),
            "Change": "; ".join(f"{c.signal}.{c.field} {c.before:g} → {c.after:g}" for c in f.changes)
            or f"left as it is: {f.note}",
        })
    st.dataframe(pd.DataFrame(rows), hide_index=True, key=f"thr_cal_table_{record.id}")


_DONE_KEY = "thr_cal_done"  # what the last apply or revert did, shown after the page reruns
_SAVED_KEY = "rubric_saved_upload"  # (file id, version label) of the upload last stored


def _threshold_calibration(version) -> None:
    """Admins: refit a team's decision thresholds to its reviewers' answers, apply or revert."""
    ctx, user = context(), current_user()
    st.subheader("Threshold calibration from reviewer answers")
    st.caption("Refits this version's decision thresholds to a team's reviewer answers; κ is measured on "
               "answers the refit did not see. Applying makes the team's scoring use the new thresholds.")
    teams = directory.list_teams(ctx.sessions, user.id)
    if not teams:
        st.write("No teams yet.")
        return
    team = st.selectbox("Team", teams, format_func=lambda t: t.name, key="thr_cal_team")
    done = st.session_state.pop(_DONE_KEY, None)
    if done:
        st.success(done)
    with plain_errors():
        if st.button("Refit thresholds", key="thr_cal_refit"):
            with st.spinner("Reading the reviewed interactions ..."):
                threshold_calibration.refit_thresholds(ctx.sessions, user.id, team.id, version.id, signals=signals())
        history = threshold_calibration.list_threshold_calibrations(ctx.sessions, user.id, team.id, version.id)
        if not history:
            st.write(f"No threshold calibration for {md(team.name)} yet.")
            return
        latest, applied = history[0], next((c for c in history if c.applied), None)
        st.write(f"Calibration {latest.version} of {latest.created_at:%Y-%m-%d %H:%M}"
                 + (" (applied)" if latest.applied else ""))
        _calibration_table(latest)
        st.write(f"Applied: calibration {applied.version}." if applied else "Applied: none (shipped thresholds).")
        if not latest.applied and st.button(f"Apply calibration {latest.version}", key="thr_cal_apply"):
            threshold_calibration.apply_threshold_calibration(ctx.sessions, user.id, latest.id)
            st.session_state[_DONE_KEY] = (f"Calibration {latest.version} applied: "
                                           f"{md(team.name)} now scores with its thresholds.")
            st.rerun()
        if applied is not None and st.button("Revert to the shipped thresholds", key="thr_cal_revert"):
            threshold_calibration.revert_threshold_calibration(ctx.sessions, user.id, team.id, version.id)
            st.session_state[_DONE_KEY] = f"Reverted: {md(team.name)} scores with the shipped thresholds again."
            st.rerun()


def render() -> None:
    ctx, user = context(), current_user()
    versions = rubrics.list_rubric_versions(ctx.sessions, user.id)
    if versions:
        v = st.selectbox("Stored version", versions[::-1], key="rubric_version",
                         format_func=lambda v: f"{v.name} · version {v.version}{' (retired)' if v.deleted else ''}")
        rubric = dashboard.get_rubric(ctx.sessions, user.id, v.id)
        _criteria_table(rubric, "rubric_criteria")
        with st.expander("YAML"):
            st.code(rubric.source_text, language="yaml")
        _examples(rubric, "rubric_run_examples")
        if user.role == UserRole.ADMIN and not v.deleted:
            _threshold_calibration(v)
    st.subheader("Upload a new version")
    upload = st.file_uploader("Rubric YAML", type=["yaml", "yml"], key="rubric_upload")
    if upload is None:
        return
    try:
        new = rubrics.check_rubric_text(upload.getvalue().decode("utf-8"), source=upload.name)
    except UnicodeDecodeError:
        st.error(f"{md(upload.name)}: not UTF-8 text.")
        return
    except Exception as exc:  # the loader's errors name the line; show them as they are
        with plain_errors():
            raise exc
        return
    st.success(f"{md(upload.name)} is valid: {md(new.name)} version {md(new.version)}, {len(new.criteria)} criteria.")
    _criteria_table(new, "rubric_upload_criteria")
    _examples(new, "rubric_upload_examples")
    saved = st.session_state.get(_SAVED_KEY)
    if saved is not None and saved[0] == upload.file_id:
        st.info(f"This file is stored: {saved[1]}.")
    elif user.role in (UserRole.ADMIN, UserRole.REVIEWER) and st.button("Save as a new version", key="rubric_save"):
        with plain_errors():
            rubrics.register_rubric(ctx.sessions, user.id, new)
            label = f"{md(new.name)} version {md(new.version)}"
            st.session_state[_SAVED_KEY] = (upload.file_id, label)
            done(f"Stored as a new rubric version: {label}.", clear=("rubric_version",))
