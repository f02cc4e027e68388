"""The router: first-run set-up, sign-in, then the pages of the signed-in user's role."""

from __future__ import annotations

import streamlit as st

from qa_coach.services import auth
from qa_coach.ui import first_start, nav
from qa_coach.ui.components import md, plain_errors
from qa_coach.ui.context import USER_KEY, context, current_user


def main() -> None:
    st.set_page_config(page_title="qa_coach", page_icon=":material/fact_check:", layout="wide")
    ctx = context()
    first_run = True
    with plain_errors():
        first_start.progress_panel(ctx)
        first_run = auth.needs_first_admin(ctx.sessions)
    if first_run:
        st.navigation([st.Page(first_run_page, title="Set up qa_coach", url_path="setup")], position="hidden").run()
        return
    user = current_user()
    if user is None:
        st.navigation([st.Page(sign_in_page, title="Sign in", url_path="sign-in")], position="hidden").run()
        return
    with st.sidebar:
        st.markdown(f"**{md(user.name)}**  \n{user.role}")
        if st.button("Sign out", key="sign_out"):
            sign_out()
    st.navigation(nav.navigation_pages(user.role)).run()


def sign_out() -> None:
    for key in list(st.session_state.keys()):
        if key != "qa_context":
            del st.session_state[key]
    st.rerun()


def first_run_page() -> None:
    st.title("Welcome to qa_coach")
    st.write("Create the admin account. The admin adds teams, representatives and the other users.")
    ctx = context()
    with st.form("first_run_form"):
        name = st.text_input("Your name", key="first_name")
        email = st.text_input("Email", key="first_email")
        password = st.text_input("Password (at least 8 characters)", type="password", key="first_password")
        again = st.text_input("Password again", type="password", key="first_password_again")
        submitted = st.form_submit_button("Create the admin account")
    if submitted:
        if password != again:
            st.error("The two passwords differ.")
            return
        with plain_errors():
            user = auth.create_first_admin(ctx.sessions, name, email, password)
            st.session_state[USER_KEY] = user
            st.rerun()


def sign_in_page() -> None:
    st.title("Sign in to qa_coach")
    ctx = context()
    with st.form("sign_in_form"):
        email = st.text_input("Email", key="sign_in_email")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        with plain_errors():  # anything unexpected: one plain line, the details in the server log
            try:
                user = auth.sign_in(ctx.sessions, email, password)
            except auth.SignInError as exc:
                st.error(str(exc).capitalize())
                return
            st.session_state[USER_KEY] = user
            st.rerun()
