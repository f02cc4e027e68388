"""Who is signed in to this browser tab, kept across reloads by a session cookie.

The cookie holds the token of :mod:`qa_coach.services.browser_sessions` (signed, expiring,
ended by sign-out and by a new password). Streamlit reads cookies itself
(``st.context.cookies``: what the browser sent when the tab connected) but has no call that
sets one, so a small component of Streamlit's own (``st.components.v2``) writes it in the
page: ``SameSite=Strict``, ``Secure`` over HTTPS, expiring with the token. A cookie set by a
script cannot be ``HttpOnly``; the app escapes every text it shows, so no page runs
anyone's script.

The token is checked against the database on every run, so a sign-out or a new password
elsewhere, a deactivation or the end of the lifetime signs this tab out at its next click.
"""

from __future__ import annotations

import streamlit as st

from qa_coach.services import browser_sessions
from qa_coach.services.records import UserRecord
from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext

COOKIE_NAME = "qa_coach_session"
SESSION_KEY = "qa_browser_session"  # the tab's BrowserSession (its token, its expiry)
_REJECTED_KEY = "qa_rejected_cookie"  # a cookie already found not to work (not checked again)
_ENDED_KEY = "qa_session_ended"  # this tab was signed out by something done elsewhere
_SIGNED_OUT_KEY = "qa_signed_out"  # this tab's user signed out: the next sign-in starts afresh
SESSION_ENDED = ("You were signed out: the sign-in lasts 12 hours and ends when you sign out or your password "
                 "changes. Please sign in again.")

_WRITE_COOKIE_JS = """
export default function ({ data }) {
  const present = document.cookie.split("; ").some((c) => c.startsWith(data.name + "="));
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  if (data.token) {
    const expires = new Date(data.expires * 1000).toUTCString();
    document.cookie = `${data.name}=${data.token}; Path=/; Expires=${expires}; SameSite=Strict${secure}`;
  } else if (present) {
    document.cookie = `${data.name}=; Path=/; Max-Age=0; SameSite=Strict${secure}`;
  }
}
"""
_cookie_writer = st.components.v2.component("qa_coach_session_cookie", js=_WRITE_COOKIE_JS)


def signed_in_user(ctx: AppContext) -> UserRecord | None:
    """The user of this tab: the one signed in here, checked again; else the one the
    browser's cookie names, when its token still works."""
    if ctx.session_secret is None:  # no signing key (a page test): signed in for this tab only
        return st.session_state.get(USER_KEY)
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        fresh = browser_sessions.open_token(ctx.sessions, session.token, ctx.session_secret)
        if fresh is None:
            forget()
            st.session_state[_ENDED_KEY] = True
            st.session_state[_REJECTED_KEY] = session.token
            return None
        return _keep(fresh)
    if st.session_state.get(USER_KEY) is not None:  # signed in by the server itself (a test), no cookie
        return st.session_state[USER_KEY]
    cookie = browser_cookie()
    if cookie and cookie != st.session_state.get(_REJECTED_KEY):
        fresh = browser_sessions.open_token(ctx.sessions, cookie, ctx.session_secret)
        if fresh is not None:
            return _keep(fresh)
        st.session_state[_REJECTED_KEY] = cookie
        st.session_state[_ENDED_KEY] = True
    return None


def start(ctx: AppContext, user: UserRecord) -> None:
    """``user`` has just signed in (or set a new password) in this tab: keep them signed in.
    The caller reruns the app, whose next run writes the new cookie (:func:`write_cookie`)."""
    st.session_state[USER_KEY] = user
    st.session_state.pop(_ENDED_KEY, None)
    if ctx.session_secret is not None:
        st.session_state[SESSION_KEY] = browser_sessions.issue_token(ctx.sessions, user.id, ctx.session_secret)


def sign_out(ctx: AppContext) -> None:
    """End this account's sessions (this browser's and every other) and forget this tab's state."""
    user, stale = st.session_state.get(USER_KEY), browser_cookie()
    try:
        if user is not None:
            browser_sessions.end_sessions(ctx.sessions, user.id)
    finally:  # signed out in this tab even when the database could not be reached
        forget()
        st.query_params.clear()
        st.session_state[_SIGNED_OUT_KEY] = True
        if stale:
            st.session_state[_REJECTED_KEY] = stale  # ended above: no "you were signed out" for it


def just_signed_out() -> bool:
    """True once after a sign-out: the sign-in form then shows at the app's root address, so
    whoever signs in next starts on their own first page, not on the page left behind."""
    return bool(st.session_state.pop(_SIGNED_OUT_KEY, False))


def forget() -> None:
    """Everything this tab held, except the app's context (a test's database)."""
    for key in list(st.session_state.keys()):
        if key != CONTEXT_KEY:
            del st.session_state[key]


def session_ended_notice() -> None:
    """On the sign-in page: why this tab is there, when a sign-in ended by itself."""
    if st.session_state.get(_ENDED_KEY):
        st.info(SESSION_ENDED)


def write_cookie(ctx: AppContext) -> None:
    """Make the browser's cookie match this tab: the current token, or none when signed out."""
    if ctx.session_secret is None:
        return
    session = st.session_state.get(SESSION_KEY)
    if session is None:
        data = {"name": COOKIE_NAME, "token": None}
    else:
        data = {"name": COOKIE_NAME, "token": session.token, "expires": int(session.expires_at.timestamp())}
    _cookie_writer(data=data, height=0)  # no key: a new token mounts it anew, and its script runs


def browser_cookie() -> str | None:
    """The session cookie the browser sent when this tab connected (a reload sends the newest)."""
    try:
        return st.context.cookies.get(COOKIE_NAME)
    except Exception:  # no browser behind this run (a test without one)
        return None


def _keep(session: browser_sessions.BrowserSession) -> UserRecord:
    st.session_state[SESSION_KEY] = session
    st.session_state[USER_KEY] = session.user
    return session.user
