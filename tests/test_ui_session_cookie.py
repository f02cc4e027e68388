"""Signed in across reloads (a signed, expiring session cookie) and links into the app.

The service (qa_coach.services.browser_sessions, qa_coach.services.deep_links) on SQLite and
PostgreSQL; the router (app.py) in AppTest on SQLite. AppTest has no browser: a reload is a
new AppTest whose browser sends the cookie the previous one wrote (the cookie writer's data),
through ``session_cookie.browser_cookie``, which reads ``st.context.cookies`` in a browser.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from qa_coach.services import auth, browser_sessions, coaching, deep_links, directory
from qa_coach.storage.models import utcnow
from qa_coach.ui import session_cookie
from qa_coach.ui.components import md
from qa_coach.ui.context import CONTEXT_KEY, USER_KEY, AppContext
from tests.db_fixtures import SIGNALS, db, pg_shared, world  # noqa: F401  (fixtures)
from tests.ui_fixtures import REPO, seeded, texts  # noqa: F401  (fixture)

SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))


def _with_password(w, user_id: int, password: str = "a good password") -> None:
    auth.set_password(w.sessions, w.admin, user_id, password)


# --- the token: signed, expiring, revoked (SQLite and PostgreSQL) ---------------------------

def test_a_token_opens_its_account_until_it_expires(world):
    _with_password(world, world.user_a1)
    now = utcnow()
    issued = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET, now=now)
    assert issued.user.id == world.user_a1 and issued.expires_at > now
    assert issued.expires_at - now <= browser_sessions.SESSION_LIFETIME == timedelta(hours=12)
    almost = now + timedelta(hours=11, minutes=59)
    opened = browser_sessions.open_token(world.sessions, issued.token, SECRET, now=almost)
    assert opened is not None and opened.user.id == world.user_a1 and opened.user.role == "representative"
    assert browser_sessions.open_token(world.sessions, issued.token, SECRET, now=now + timedelta(hours=12)) is None


def test_a_forged_or_foreign_token_opens_nothing(world):
    _with_password(world, world.user_a1)
    _with_password(world, world.admin)
    token = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    user_id, rest = token.split(".", 1)
    assert user_id == str(world.user_a1)
    as_admin = f"{world.admin}.{rest}"  # the same signature on another account
    later = token.split(".")
    later[2] = str(int(later[2]) + 86400)  # a day more
    for forged in (as_admin, ".".join(later), token[:-2], token + "x", "", "garbage", "1.2.3.4", "é" * 30):
        assert browser_sessions.open_token(world.sessions, forged, SECRET) is None, forged
    assert browser_sessions.open_token(world.sessions, token, OTHER_SECRET) is None  # another installation's
    assert browser_sessions.open_token(world.sessions, token, SECRET) is not None


def test_sign_out_ends_every_token_of_the_account_only(world):
    _with_password(world, world.user_a1)
    _with_password(world, world.user_b1)
    first = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    second = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token  # another browser
    beas = browser_sessions.issue_token(world.sessions, world.user_b1, SECRET).token
    browser_sessions.end_sessions(world.sessions, world.user_a1)
    assert browser_sessions.open_token(world.sessions, first, SECRET) is None
    assert browser_sessions.open_token(world.sessions, second, SECRET) is None
    assert browser_sessions.open_token(world.sessions, beas, SECRET) is not None
    again = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token  # signing in again works
    assert browser_sessions.open_token(world.sessions, again, SECRET).user.id == world.user_a1


def test_a_new_password_ends_the_old_tokens(world):
    _with_password(world, world.user_a1, "first password")
    by_admin = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    auth.set_password(world.sessions, world.admin, world.user_a1, "set by the admin")  # e.g. a stolen laptop
    assert browser_sessions.open_token(world.sessions, by_admin, SECRET) is None
    own = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    auth.change_own_password(world.sessions, world.user_a1, "set by the admin", "chosen by me")
    assert browser_sessions.open_token(world.sessions, own, SECRET) is None
    with pytest.raises(auth.SignInError):  # a wrong current password changes nothing, ends nothing
        auth.change_own_password(world.sessions, world.user_a1, "wrong", "another one!")
    fresh = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    auth.sign_in(world.sessions, "aliceu@users.example", "chosen by me")  # signing in elsewhere ends nothing
    assert browser_sessions.open_token(world.sessions, fresh, SECRET) is not None


def test_a_deactivated_account_is_signed_out_for_good(world):
    _with_password(world, world.user_a1)
    token = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token
    auth.set_active(world.sessions, world.admin, world.user_a1, False)
    assert browser_sessions.open_token(world.sessions, token, SECRET) is None
    auth.set_active(world.sessions, world.admin, world.user_a1, True)
    assert browser_sessions.open_token(world.sessions, token, SECRET) is None  # not revived


def test_an_account_without_a_password_gets_no_working_token(world):
    token = browser_sessions.issue_token(world.sessions, world.user_a1, SECRET).token  # no password set yet
    assert browser_sessions.open_token(world.sessions, token, SECRET) is None


def test_the_installation_secret_is_made_once_and_kept_private(tmp_path):
    folder = tmp_path / "data"
    key = browser_sessions.installation_secret(folder)
    path = folder / browser_sessions.SECRET_FILE_NAME
    assert len(key) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert browser_sessions.installation_secret(folder) == key  # the same after a restart
    assert [p.name for p in folder.iterdir()] == [browser_sessions.SECRET_FILE_NAME]  # no draft left behind
    assert browser_sessions.installation_secret(tmp_path / "another") != key
    os.chmod(path, 0o644)  # others could have read it: a new key, private again
    replaced = browser_sessions.installation_secret(folder)
    assert replaced != key and len(replaced) >= 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert browser_sessions.installation_secret(folder) == replaced
    for garbage in ("not a key\n", "abcd\n", ""):  # a damaged file: a new key
        path.write_text(garbage)
        os.chmod(path, 0o600)
        fresh = browser_sessions.installation_secret(folder)
        assert len(fresh) >= 32 and fresh != replaced and browser_sessions.installation_secret(folder) == fresh
    assert [p.name for p in folder.iterdir()] == [browser_sessions.SECRET_FILE_NAME]


def test_servers_starting_together_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    folder = tmp_path / "data"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: browser_sessions.installation_secret(folder), range(32)))
    assert len(keys) == 1
    assert [p.name for p in folder.iterdir()] == [browser_sessions.SECRET_FILE_NAME]


# --- links: what a user may open (SQLite and PostgreSQL) -------------------------------------

def _interaction_of(world, rep_id: int) -> int:
    from qa_coach.storage.models import InteractionRow

    with world.sessions.begin() as s:
        row = InteractionRow(external_id=f"x-{rep_id}", representative_id=rep_id, channel="chat",
                             occurred_at=utcnow(), turns=[], content_hash=f"h-{rep_id}", source_format="plain_text")
        s.add(row)
        s.flush()
        return row.id


def test_links_open_only_what_the_user_may_see_with_one_answer_for_the_rest(world):
    mine, bea = _interaction_of(world, world.rep_a1), _interaction_of(world, world.rep_b1)
    session = coaching.create_coaching_session(world.sessions, world.coach_a, world.rep_a1, notes="n").id
    alice, rita = world.user_a1, world.reviewer_a
    assert deep_links.open_link(world.sessions, alice, "interaction", str(mine)) == deep_links.LinkTarget(
        "interaction", mine, world.rep_a1)
    assert deep_links.open_link(world.sessions, alice, "session", str(session)).representative_id == world.rep_a1
    assert deep_links.open_link(world.sessions, alice, "rep", str(world.rep_a1)).id == world.rep_a1
    assert deep_links.open_link(world.sessions, rita, "rep", str(world.rep_a2)).id == world.rep_a2
    assert deep_links.open_link(world.sessions, world.admin, "interaction", str(bea)).representative_id == world.rep_b1
    answers = set()
    for user, kind, raw in ((alice, "interaction", bea), (alice, "interaction", 999999), (rita, "interaction", bea),
                            (alice, "rep", world.rep_a2), (world.reviewer_b, "session", session),
                            (alice, "session", 999999), (alice, "interaction", "12abc"), (alice, "interaction", "-1"),
                            (alice, "interaction", "0"), (alice, "interaction", "99999999999999999999"),
                            (alice, "interaction", "١٢")):
        with pytest.raises(deep_links.LinkNotFoundError) as refused:
            deep_links.open_link(world.sessions, user, kind, str(raw))
        answers.add(str(refused.value).replace(str(raw), "ID"))
    assert {a.split(": ", 1)[1] for a in answers} == {"not found, or not yours to see"}
    assert f"interaction {bea}: not found" in str(
        pytest.raises(deep_links.LinkNotFoundError, deep_links.open_link, world.sessions, alice, "interaction",
                      str(bea)).value)


# --- the app: reload, sign-out, password change, links (AppTest) ------------------------------

def _app(seeded, monkeypatch, cookie: str | None = None, secret: bytes | None = SECRET) -> AppTest:  # noqa: F811
    """The whole app in a new browser tab whose browser holds ``cookie``."""
    monkeypatch.setattr(session_cookie, "browser_cookie", lambda: cookie)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.session_state[CONTEXT_KEY] = AppContext(seeded.world.sessions, SIGNALS, seeded.audio_dir, secret)
    return at


def _written_cookie(at: AppTest) -> dict:
    """What the cookie writer on the page sets (its data); {} when there is none."""
    written = [json.loads(e.proto.json) for e in at.get("bidi_component")
               if e.proto.component_name == "qa_coach_session_cookie"]
    assert len(written) <= 1, written
    return written[0] if written else {}


def _sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key="sign_in_email").input(email)
    at.text_input(key="sign_in_password").input(password)
    return at.button[0].click().run()


@pytest.fixture
def passwords(seeded):  # noqa: F811
    w = seeded.world
    _with_password(w, w.admin, "admin password")  # past the first-run screen
    _with_password(w, w.user_a1, "alice password")
    _with_password(w, w.coach_a, "carl password")
    return {"alice": ("aliceu@users.example", "alice password"), "carl": ("carl@users.example", "carl password")}


def test_a_reload_keeps_the_user_signed_in(seeded, passwords, monkeypatch):  # noqa: F811
    tab = _app(seeded, monkeypatch).run()
    assert "Sign in to qa_coach" in texts(tab) and _written_cookie(tab)["token"] is None
    _sign_in(tab, *passwords["alice"])
    assert "My scored interactions" in texts(tab)
    cookie = _written_cookie(tab)
    assert cookie["name"] == session_cookie.COOKIE_NAME and cookie["token"]
    assert 11 * 3600 < cookie["expires"] - utcnow().timestamp() <= 12 * 3600
    reloaded = _app(seeded, monkeypatch, cookie=cookie["token"]).run()  # a new tab: nothing in its state
    assert not reloaded.exception
    assert "Sign in to qa_coach" not in texts(reloaded) and "My scored interactions" in texts(reloaded)
    assert reloaded.session_state[USER_KEY].id == seeded.world.user_a1
    assert _written_cookie(reloaded)["token"] == cookie["token"]
    forged = cookie["token"][:-3] + ("AAA" if not cookie["token"].endswith("AAA") else "BBB")
    refused = _app(seeded, monkeypatch, cookie=forged).run()
    assert "Sign in to qa_coach" in texts(refused) and _written_cookie(refused)["token"] is None  # cleared


def test_sign_out_ends_the_cookie_for_a_reload(seeded, passwords, monkeypatch):  # noqa: F811
    tab = _sign_in(_app(seeded, monkeypatch).run(), *passwords["alice"])
    token = _written_cookie(tab)["token"]
    tab.sidebar.button(key="sign_out").click().run()
    assert "Sign in to qa_coach" in texts(tab) and USER_KEY not in tab.session_state
    assert _written_cookie(tab)["token"] is None  # the browser drops its cookie
    assert "You were signed out" not in texts(tab)  # they asked for it: no notice
    reloaded = _app(seeded, monkeypatch, cookie=token).run()  # a copy of the cookie kept elsewhere
    assert "Sign in to qa_coach" in texts(reloaded) and "My scored interactions" not in texts(reloaded)


def test_after_signing_out_on_a_page_the_next_sign_in_starts_on_the_first_page(seeded, passwords,
                                                                               monkeypatch):  # noqa: F811
    tab = _sign_in(_app(seeded, monkeypatch).run(), *passwords["carl"])
    _address(tab, "account")
    assert [t.value for t in tab.title] == ["My account"]
    tab.sidebar.button(key="sign_out").click().run()
    _sign_in(tab, *passwords["alice"])  # someone else at the same computer
    assert [t.value for t in tab.title] == ["My interactions"]


def test_a_password_changed_elsewhere_signs_this_tab_out(seeded, passwords, monkeypatch):  # noqa: F811
    tab = _sign_in(_app(seeded, monkeypatch).run(), *passwords["alice"])
    assert "My scored interactions" in texts(tab)
    auth.set_password(seeded.world.sessions, seeded.world.admin, seeded.world.user_a1, "reset by the admin")
    tab.run()  # the tab's next click
    assert "Sign in to qa_coach" in texts(tab) and "You were signed out" in texts(tab)
    assert "My scored interactions" not in texts(tab)


def test_changing_my_password_keeps_this_tab_signed_in_and_ends_the_others(seeded, passwords,
                                                                           monkeypatch):  # noqa: F811
    other = _sign_in(_app(seeded, monkeypatch).run(), *passwords["alice"])
    old_token = _written_cookie(other)["token"]
    tab = _sign_in(_app(seeded, monkeypatch).run(), *passwords["alice"])
    _address(tab, "account")
    tab.text_input(key="pw_old").input("alice password")
    tab.text_input(key="pw_new").input("alice's new one")
    [b for b in tab.button if b.label == "Change password"][0].click().run()
    assert not tab.exception and "Password changed" in texts(tab)
    new_token = _written_cookie(tab)["token"]
    assert new_token and new_token != old_token
    assert "Sign in to qa_coach" not in texts(_app(seeded, monkeypatch, cookie=new_token).run())  # reload: in
    assert "Sign in to qa_coach" in texts(other.run())  # the other browser: out
    assert "Sign in to qa_coach" in texts(_app(seeded, monkeypatch, cookie=old_token).run())


def _address(at: AppTest, page: str | None, **query: str) -> AppTest:
    """Open an address, ``/page?query`` (``page`` None: the root), and run the app there."""
    for k, v in query.items():
        at.query_params[k] = v
    if page is not None:
        at._page_hash = calc_hash(page)  # what a browser's address asks for (AppTest has no URL of its own)
    at.run()
    at._page_hash = ""  # later runs stay where the app went, as a browser does
    return at


def _signed_in(seeded, monkeypatch, who: str, password: str) -> str:  # noqa: F811
    email = {"alice": "aliceu@users.example", "carl": "carl@users.example"}[who]
    return _written_cookie(_sign_in(_app(seeded, monkeypatch).run(), email, password))["token"]


def test_a_link_to_an_interaction_opens_it_after_sign_in(seeded, passwords, monkeypatch):  # noqa: F811
    at = _address(_app(seeded, monkeypatch), None, interaction=str(seeded.alice_rude))
    assert "Sign in to qa_coach" in texts(at)
    _sign_in(at, *passwords["alice"])
    assert not at.exception
    assert [t.value for t in at.title] == ["Interaction"]
    assert at.number_input(key="interaction_id_input").value == seeded.alice_rude
    assert dict(at.query_params) == {"id": str(seeded.alice_rude)}  # the page's own address, to bookmark


def test_a_page_address_opened_while_signed_out_asks_to_sign_in_then_opens(seeded, passwords,
                                                                            monkeypatch):  # noqa: F811
    at = _app(seeded, monkeypatch).run()  # the pages are registered by a first run
    _address(at, "interaction", id=str(seeded.alice_polite))
    assert "Page not found" not in str(at) and "Sign in to qa_coach" in texts(at)
    _sign_in(at, *passwords["alice"])
    assert [t.value for t in at.title] == ["Interaction"]
    assert at.number_input(key="interaction_id_input").value == seeded.alice_polite


def test_a_link_to_another_reps_interaction_says_not_found_or_not_yours(seeded, passwords,
                                                                        monkeypatch):  # noqa: F811
    token = _signed_in(seeded, monkeypatch, "alice", "alice password")
    beas = str(seeded.bea_polite)
    for page, query in ((None, {"interaction": beas}), ("interaction", {"id": beas})):
        at = _app(seeded, monkeypatch, cookie=token)
        if page:
            at.run()
        _address(at, page, **query)
        assert not at.exception
        assert md(f"Interaction {beas}: not found, or not yours to see") + "." in [w.value for w in at.warning]
        assert "BeaU" not in texts(at) and "b\\_polite" not in texts(at)
        assert not any(k in at.query_params for k in ("interaction", "id"))  # dropped from the address


def test_links_to_a_representative_and_a_coaching_session(seeded, passwords, monkeypatch):  # noqa: F811
    w = seeded.world
    cs = coaching.create_coaching_session(w.sessions, w.coach_a, w.rep_a2, notes="Slow down on greetings").id
    carl = _signed_in(seeded, monkeypatch, "carl", "carl password")
    at = _address(_app(seeded, monkeypatch, cookie=carl), None, rep=str(w.rep_a2))
    assert [t.value for t in at.title] == ["Representative progress"]
    assert at.selectbox(key="progress_rep").value.id == w.rep_a2  # not the first in the list
    at = _address(_app(seeded, monkeypatch, cookie=carl), None, session=str(cs))
    assert [t.value for t in at.title] == ["Coaching"]
    assert at.selectbox(key="coaching_rep").value.id == w.rep_a2
    opened = [e for e in at.expander if e.proto.expanded]
    assert len(opened) == 1 and "Slow down on greetings" in opened[0].markdown[0].value
    at = _address(_app(seeded, monkeypatch, cookie=carl), None, rep=str(w.rep_b1))  # another team's
    assert md(f"Representative {w.rep_b1}: not found, or not yours to see") + "." in [x.value for x in at.warning]
    assert [t.value for t in at.title] == ["Team overview"] and "rep" not in at.query_params
    alice = _signed_in(seeded, monkeypatch, "alice", "alice password")
    at = _address(_app(seeded, monkeypatch, cookie=alice), None, session=str(cs))  # Arun's session
    assert any("not yours" in x.value for x in at.warning)
    assert [t.value for t in at.title] == ["My interactions"]


def test_without_a_signing_key_a_sign_in_lasts_for_the_tab_only(seeded, passwords, monkeypatch):  # noqa: F811
    tab = _sign_in(_app(seeded, monkeypatch, secret=None).run(), *passwords["alice"])
    assert "My scored interactions" in texts(tab) and _written_cookie(tab) == {}
