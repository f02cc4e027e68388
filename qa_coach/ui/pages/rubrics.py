"""Rubrics: view stored versions, validate and upload a new one, run its example tests."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import dashboard, rubric_examples, rubrics
from qa_coach.ui.components import plain_errors
from qa_coach.ui.context import context, current_user, signals


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
                st.markdown(f"- example **{o.example_id}**, {m.criterion_id}: expected {m.expected}, got {m.actual} "
                            f"({m.rationale})")


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
    st.subheader("Upload a new version")
    upload = st.file_uploader("Rubric YAML", type=["yaml", "yml"], key="rubric_upload")
    if upload is None:
        return
    try:
        new = rubrics.check_rubric_text(upload.getvalue().decode("utf-8"), source=upload.name)
    except UnicodeDecodeError:
        st.error(f"{upload.name}: not UTF-8 text.")
        return
    except Exception as exc:  # the loader's errors name the line; show them as they are
        with plain_errors():
            raise exc
        return
    st.success(f"{upload.name} is valid: {new.name} version {new.version}, {len(new.criteria)} criteria.")
    _criteria_table(new, "rubric_upload_criteria")
    _examples(new, "rubric_upload_examples")
    if user.role in (UserRole.ADMIN, UserRole.REVIEWER) and st.button("Save as a new version", key="rubric_save"):
        with plain_errors():
            rec = rubrics.register_rubric(ctx.sessions, user.id, new)
            st.success(f"Stored as rubric version {rec.id}.")
