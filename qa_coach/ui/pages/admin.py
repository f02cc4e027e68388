"""Admin: teams, representatives, users, roles and passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qa_coach.domain.people import UserRole
from qa_coach.services import auth, directory
from qa_coach.ui.components import md, plain_errors
from qa_coach.ui.context import context, current_user
from qa_coach.ui.flash import done


def render() -> None:
    ctx, user = context(), current_user()
    teams = directory.list_teams(ctx.sessions, user.id)
    reps = directory.list_representatives(ctx.sessions, user.id)
    team_names = {t.id: t.name for t in teams}
    accounts = auth.list_accounts(ctx.sessions, user.id)
    st.subheader("Users")
    st.dataframe(pd.DataFrame([{"Id": a.id, "Name": a.name, "Email": a.email, "Role": a.role,
                                "Teams": ", ".join(team_names.get(t, str(t)) for t in a.team_ids),
                                "Active": a.active, "Can sign in": a.has_password, "Locked": a.locked}
                               for a in accounts]), hide_index=True, key="admin_users")
    c = st.columns(2)
    with c[0].form("admin_new_user"):
        st.markdown("**Add a user**")
        name = st.text_input("Name", key="nu_name")
        email = st.text_input("Email", key="nu_email")
        role = st.selectbox("Role", list(UserRole), index=None, placeholder="Choose a role", key="nu_role")
        rep = st.selectbox("Representative (for the representative role)", [None, *reps], key="nu_rep",
                           format_func=lambda r: "–" if r is None else r.name)
        user_teams = st.multiselect("Teams (reviewers and coaches)", list(team_names), format_func=team_names.get,
                                    key="nu_teams")
        password = st.text_input("Password", type="password", key="nu_password")
        if st.form_submit_button("Add user"):
            with plain_errors():
                auth.check_password_strength(password)
                new = directory.create_user(ctx.sessions, user.id, name=name, email=email, role=role,
                                            representative_id=rep.id if rep else None, team_ids=tuple(user_teams))
                auth.set_password(ctx.sessions, user.id, new.id, password)
                done(f"User {md(new.email)} added.",
                     clear=("nu_name", "nu_email", "nu_role", "nu_rep", "nu_teams", "nu_password"))
    with c[1].form("admin_password"):
        st.markdown("**Set a password (unlocks the account)**")
        target = st.selectbox("User", accounts, format_func=lambda a: f"{a.name} <{a.email}>", key="pw_user")
        password = st.text_input("New password", type="password", key="pw_password")
        active = st.checkbox("Active", value=True, key="pw_active")
        if st.form_submit_button("Save"):
            with plain_errors():
                auth.set_password(ctx.sessions, user.id, target.id, password)
                if active != target.active:
                    auth.set_active(ctx.sessions, user.id, target.id, active)
                done(f"Saved for {md(target.email)}.", clear=("pw_password", "pw_active"))
    st.subheader("Teams and representatives")
    st.dataframe(pd.DataFrame([{"Representative": r.name, "Email": r.email, "Team": team_names.get(r.team_id),
                                "Hired": r.hire_date} for r in reps]), hide_index=True, key="admin_reps")
    c = st.columns(2)
    with c[0].form("admin_new_team"):
        team_name = st.text_input("New team", key="nt_name")
        if st.form_submit_button("Add team"):
            with plain_errors():
                directory.create_team(ctx.sessions, user.id, team_name.strip())
                done(f"Team {md(team_name.strip())} added.", clear=("nt_name",))
    with c[1].form("admin_new_rep"):
        rep_name = st.text_input("Representative's name", key="nr_name")
        rep_email = st.text_input("Email", key="nr_email")
        rep_team = st.selectbox("Team", list(team_names), format_func=team_names.get, key="nr_team")
        hired = st.date_input("Hire date", value=None, key="nr_hired")
        if st.form_submit_button("Add representative"):
            with plain_errors():
                if rep_team is None:
                    st.error("Add a team first.")
                else:
                    directory.create_representative(ctx.sessions, user.id, name=rep_name.strip(), team_id=rep_team,
                                                    email=rep_email.strip() or None, hire_date=hired)
                    done(f"Representative {md(rep_name.strip())} added.", clear=("nr_name", "nr_email", "nr_hired"))
