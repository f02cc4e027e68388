"""The router: first-run set-up, sign-in, then the pages of the signed-in user's role."""

from __future__ import annotations

import streamlit as st

from qa_coach.services import auth
from qa_coach.ui import first_start, links, nav, session_cookie
from qa_coach.ui.components import md, plain_errors
from qa_coach.ui.context import context


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
    user = None
    with plain_errors():
        user = session_cookie.signed_in_user(ctx)  # this tab's, else the browser's cookie's
    if user is None:
        pages = _sign_in_pages()
        page = st.navigation(pages, position="hidden")
        if session_cookie.just_signed_out() and page is not pages[0]:
            st.switch_page(pages[0])  # whoever signs in next starts on their own first page
        page.run()
        session_cookie.write_cookie(ctx)  # signed out: no cookie left behind
        return
    with st.sidebar:
        st.markdown(f"**{md(user.name)}**  \n{user.role}")
        if st.button("Sign out", key="sign_out"):
            sign_out()
        session_cookie.write_cookie(ctx)  # a reload finds this tab's sign-in
    page = st.navigation(nav.navigation_pages(user.role))
    links.follow(ctx, user, nav.key_of(page))  # ?interaction=, ?rep=, ?session=: their page
    page.run()


def _sign_in_pages() -> list:
    """The sign-in form at every page's address, so a link opened while signed out asks for
    the password and then opens what it points at."""
    return [st.Page(sign_in_page, title="Sign in", url_path="sign-in", default=True),
            *(st.Page(sign_in_page, title="Sign in", url_path=spec.key) for spec in nav.PAGES)]


def sign_out() -> None:
    with plain_errors():
        session_cookie.sign_out(context())  # this browser's cookie and every other stop working
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
            session_cookie.start(ctx, user)
            st.rerun()


def sign_in_page() -> None:
    st.title("Sign in to qa_coach")
    session_cookie.session_ended_notice()
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
            session_cookie.start(ctx, user)  # stays signed in across reloads
            st.rerun()
