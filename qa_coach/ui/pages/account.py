"""My account: change my password."""

from __future__ import annotations

import streamlit as st

from qa_coach.services import auth
from qa_coach.ui import session_cookie
from qa_coach.ui.components import md, plain_errors
from qa_coach.ui.context import context, current_user
from qa_coach.ui.flash import done


def render() -> None:
    ctx, user = context(), current_user()
    st.markdown(f"{md(user.name)} · {md(user.email)} · {user.role}")
    with st.form("password_form"):
        old = st.text_input("Current password", type="password", key="pw_old")
        new = st.text_input("New password", type="password", key="pw_new")
        if st.form_submit_button("Change password"):
            with plain_errors():
                auth.change_own_password(ctx.sessions, user.id, old, new)
                session_cookie.start(ctx, user)  # the new password ended every sign-in: this tab's goes on
                done("Password changed.", clear=("pw_old", "pw_new"))
