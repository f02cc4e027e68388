"""End to end in a real headless browser (Debian's chromium + chromedriver via Selenium).

Starts ``streamlit run app.py`` on a free localhost port with a temporary database (real
models), signs in, uploads a sample call and a sample chat, waits for their scorecards, opens
the call, saves an override, visits every page (adding a coaching session with an action item,
seeing the progress page's downloads); then reloads (still signed in, through the session
cookie) and opens links (``?interaction=ID``, ``/interaction?id=ID``) signed in, signed out and
to a call that is not the user's. The representative then disputes a score, ticks her action
item and downloads her scores; a reviewer finds the dispute in the Disputes inbox, searches
and filters the Interactions page and opens a row. A screenshot of each step and page goes to
artifacts/screenshots/. ``bash scripts/bootstrap.sh --dev`` installs chromium and
chromium-driver (as root); without them the test skips outside CI and fails in CI (``CI`` set).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a browser, the app in a server, Whisper and the real models

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
SAMPLE = REPO / "sample_calls" / "calls" / "03_poor_rep.ogg"  # a stereo call: Whisper runs in the app
CHAT = REPO / "sample_calls" / "chats" / "03_poor_rep_plain_csv.csv"  # one chat, ticket NW-1003
CHAT_TICKET = "NW-1003"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--window-size=1400,1000",
                  "--disable-dev-shm-usage")
ADMIN = ("ada@example.com", "admin password")
REP = ("olivia@example.com", "olivia password")
REVIEWER = ("rita@example.com", "rita password")
ACTION_ITEM = "Greet the customer by name"
DISPUTE_REASON = "I greeted the customer, in the first turn"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI: {reason}")
    pytest.skip(reason)


def _browser_paths() -> tuple[str, str]:
    """Debian's chromium and chromedriver, as scripts/bootstrap.sh --dev installs them."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        missing = " and ".join(name for name, path in (("chromium", chromium), ("chromedriver", driver)) if not path)
        _unavailable(f"{missing} not found on PATH: run `bash scripts/bootstrap.sh --dev` as root, or "
                     "`sudo apt-get install chromium chromium-driver`")
    return chromium, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(data_dir: Path) -> None:
    """An admin, a representative and a reviewer of her team who can sign in, and the default rubric."""
    os.environ["QA_COACH_DATA_DIR"] = str(data_dir)
    from qa_coach.rubric.loader import load_rubric
    from qa_coach.services import auth, directory, rubrics
    from qa_coach.storage import Database

    db = Database(f"sqlite:///{data_dir / 'qa_coach.sqlite3'}")
    db.upgrade()
    s = db.session_factory()
    admin = auth.create_first_admin(s, "Ada Admin", *ADMIN).id
    team = directory.create_team(s, admin, "Support").id
    rep = directory.create_representative(s, admin, name="Olivia Grant", team_id=team, email="olivia.grant@example.com").id
    user = directory.create_user(s, admin, name="Olivia Grant", email=REP[0], role="representative",
                                 representative_id=rep)
    auth.set_password(s, admin, user.id, REP[1])
    reviewer = directory.create_user(s, admin, name="Rita Reviewer", email=REVIEWER[0], role="reviewer",
                                     team_ids=(team,))
    auth.set_password(s, admin, reviewer.id, REVIEWER[1])
    rubrics.register_rubric(s, admin, load_rubric(None))
    db.dispose()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("selenium") if not os.environ.get("CI") else __import__("selenium")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {**os.environ, "QA_COACH_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    env.pop("QA_COACH_DATABASE_URL", None)
    saved = os.environ.get("QA_COACH_DATA_DIR")
    try:
        _seed(data_dir)
    finally:
        if saved is None:
            os.environ.pop("QA_COACH_DATA_DIR", None)
        else:
            os.environ["QA_COACH_DATA_DIR"] = saved
    port = _free_port()
    log = (data_dir / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"the app exited: {(data_dir / 'streamlit.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_window_size(1400, 1000)
    driver.download_folder = tmp_path_factory.mktemp("e2e-downloads")  # where the download buttons' files go
    driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                           {"behavior": "allow", "downloadPath": str(driver.download_folder)})
    yield driver
    driver.quit()


class Page:
    def __init__(self, driver, step_timeout: float = 60):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.ignored = (NoSuchElementException, StaleElementReferenceException)
        self.wait = WebDriverWait(driver, step_timeout, ignored_exceptions=self.ignored)
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        time.sleep(0.5)  # let charts finish drawing
        self.d.save_screenshot(str(SHOTS / f"{name}.png"))

    def text_appears(self, text: str, timeout: float | None = None) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        (WebDriverWait(self.d, timeout, ignored_exceptions=self.ignored) if timeout else self.wait).until(
            lambda d: text in d.find_element("tag name", "body").text, f"waiting for {text!r}")

    def idle(self) -> None:
        """Wait until the app is not running a script (no 'Running...' status widget)."""
        time.sleep(1.0)
        self.wait.until(lambda d: not d.find_elements("css selector", '[data-testid="stStatusWidget"]')
                        and not any("Stop" in h.text.splitlines()
                                    for h in d.find_elements("css selector", '[data-testid="stHeader"], header')))

    def type(self, key: str, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        box = self.wait.until(lambda d: d.find_element("css selector", f".st-key-{key} input, .st-key-{key} textarea"))
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(Keys.DELETE)
        box.send_keys(text)
        box.send_keys(Keys.TAB)

    def click_button(self, label: str) -> None:
        def find(d):
            for b in d.find_elements("css selector", "button"):
                if b.text.strip() == label and b.is_enabled():
                    return b
            return None

        self.wait.until(find).click()

    def choose(self, key: str, option_text: str) -> None:
        """Pick an option of a selectbox by typing into its search box."""
        from selenium.webdriver.common.keys import Keys

        box = self.wait.until(lambda d: d.find_element("css selector", f".st-key-{key} input"))
        box.click()
        box.send_keys(option_text)
        self.wait.until(lambda d: d.find_elements("css selector", "[role='option']"))
        box.send_keys(Keys.ENTER)
        self.idle()

    def checkbox(self, text: str):
        """The checkbox whose label holds ``text``."""
        return self.wait.until(lambda d: next((c for c in d.find_elements("css selector", '[data-testid="stCheckbox"]')
                                               if text in c.text), None), f"waiting for the checkbox {text!r}")

    def download_buttons(self, count: int) -> list[str]:
        """The labels of the page's download buttons, once ``count`` of them are drawn."""
        labels = lambda d: [b.text.strip() for b in  # noqa: E731
                            d.find_elements("css selector", '[data-testid="stDownloadButton"] button')]
        self.wait.until(lambda d: len(labels(d)) >= count, f"waiting for {count} download buttons")
        return labels(self.d)

    def scroll_to(self, element) -> None:
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)

    def table_shows(self, key: str, text: str, not_: str | None = None) -> None:
        """Wait until a table's cells in view hold ``text`` (and not ``not_``). The table is drawn
        on a canvas; the grid beside it holds the words of the cells in view for screen readers."""
        def words(d) -> str:
            return " ".join(c.get_attribute("textContent") or "" for c in
                            d.find_elements("css selector", f'.st-key-{key} [role="gridcell"]'))

        self.wait.until(lambda d: text in words(d) and (not_ is None or not_ not in words(d)),
                        f"waiting for {text!r} in the table {key}" + (f" without {not_!r}" if not_ else ""))

    def select_first_row(self, key: str) -> None:
        """Tick the row marker of a table's first row (the table is drawn on a canvas: one
        header row and rows of the same height)."""
        from selenium.webdriver.common.action_chains import ActionChains

        canvas = self.wait.until(lambda d: d.find_element("css selector", f".st-key-{key} canvas"))
        rows = int(self.d.find_element("css selector", f".st-key-{key} [role='grid']").get_attribute("aria-rowcount"))
        height, width = canvas.size["height"], canvas.size["width"]
        row = height / rows  # aria-rowcount counts the header row too
        ActionChains(self.d).move_to_element_with_offset(canvas, -width / 2 + 16, -height / 2 + row * 1.5) \
            .click().perform()

    def nav(self, title: str) -> None:
        def link(d):
            for a in d.find_elements("css selector", '[data-testid="stSidebar"] a'):
                if title in (line.strip() for line in a.text.splitlines()):
                    return a
            return None

        self.wait.until(link).click()
        self.wait.until(lambda d: any(h.text.strip() == title for h in d.find_elements("css selector", "h1")),
                        f"waiting for the {title!r} page")
        self.idle()

    def sign_in(self, email: str, password: str) -> None:
        self.text_appears("Sign in to qa_coach")
        self.type("sign_in_email", email)
        self.type("sign_in_password", password)
        self.click_button("Sign in")


def test_sign_in_upload_score_override_and_every_page(browser, app_url):  # no app started without a browser
    p = Page(browser)
    try:
        _journey(p, app_url, browser)
    except BaseException:
        p.shot("zz_failure")
        raise


def _journey(p: Page, app_url: str, browser) -> None:
    browser.get(app_url)
    p.text_appears("Sign in to qa_coach")
    p.shot("01_sign_in")
    p.sign_in(ADMIN[0], "not the password")
    p.text_appears("Wrong email or password")
    p.shot("02_sign_in_refused")
    p.sign_in(*ADMIN)
    p.text_appears("Ada Admin")
    p.idle()
    p.shot("03_team_overview_empty")
    browser.refresh()  # a reload keeps the sign-in (the session cookie)
    p.text_appears("Ada Admin")
    p.idle()
    assert "Sign in to qa_coach" not in browser.find_element("tag name", "body").text
    p.shot("03b_reloaded_still_signed_in")

    p.nav("Import")
    upload = p.wait.until(lambda d: d.find_element("css selector", ".st-key-import_files input[type='file']"))
    upload.send_keys(f"{SAMPLE}\n{CHAT}")
    p.text_appears("KB")  # the uploaded file is listed (its name shortened)
    p.idle()
    p.choose("import_rep", "Olivia Grant")
    p.shot("04_import_chosen")
    p.click_button("Import and score")
    p.text_appears("2 imported (2 interactions)", timeout=900)  # transcribes the call (Whisper base), loads the models
    assert "scored and stored" in browser.find_element("tag name", "body").text
    p.shot("05_import_done")

    link = p.wait.until(lambda d: next((a for a in d.find_elements("css selector", "a")
                                        if "open interaction" in a.text and SAMPLE.name in a.text), None))
    link.click()
    p.text_appears("Automatic scorecard")
    p.idle()
    interaction_id = _interaction_id_in(browser.current_url)
    assert browser.find_elements("css selector", "audio"), "the call's audio player is missing"
    p.text_appears("Call metrics")
    p.shot("06_interaction_scorecard")
    p.choose("evidence_criterion", "Greeting")
    p.idle()
    p.shot("07_interaction_evidence")
    p.choose("ov_greeting", "N/A")
    p.type("ovc_greeting", "checked by the browser test")
    p.click_button("Save override")
    p.text_appears("Override saved: human score")
    p.shot("08_override_saved")

    for title, shot in (("Team overview", "09_page_team_overview"), ("Review queue", "10_page_review_queue"),
                        ("Representative progress", "11_page_progress"), ("Coaching", "12_page_coaching"),
                        ("Calibration", "13_page_calibration"), ("Rubrics", "14_page_rubrics"),
                        ("Admin", "15_page_admin"), ("My account", "16_page_account")):
        p.nav(title)
        assert "Something went wrong" not in browser.find_element("tag name", "body").text
        p.shot(shot)
        if title == "Representative progress":  # staff download the representative's and her team's scores
            assert p.download_buttons(5) == ["Scores (CSV)", "Scores (JSON)", "Coaching report (HTML)",
                                             "Support: scores (CSV)", "Support: scores (JSON)"]
        if title == "Coaching":
            _coaching_session_with_an_action_item(p)
    body = browser.find_element("tag name", "body").text
    assert "Traceback" not in body

    p.click_button("Sign out")
    p.sign_in(*REP)
    p.text_appears("My scored interactions")
    p.idle()
    p.shot("17_page_my_interactions")
    p.nav("Interaction")
    p.shot("18_page_interaction_rep")
    _links_and_reloads(p, app_url, browser, interaction_id)


def _interaction_id_in(url: str) -> int:
    from urllib.parse import parse_qs, urlparse

    return int(parse_qs(urlparse(url).query)["id"][0])


def _links_and_reloads(p: Page, app_url: str, browser, interaction_id: int) -> None:
    """The representative: a reload keeps her signed in; a link to a call that is not hers
    says so plainly; after signing out a reload stays signed out, and a link to her own call
    asks for the password first, then opens the call."""
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    browser.refresh()
    p.text_appears("Olivia Grant")
    p.idle()
    assert "Sign in to qa_coach" not in body()
    browser.get(f"{app_url}/?interaction={interaction_id + 1000}")
    p.text_appears("not found, or not yours to see")
    p.idle()
    p.shot("19_link_not_found_or_not_yours")
    p.click_button("Sign out")
    p.text_appears("Sign in to qa_coach")
    p.idle()
    browser.refresh()
    p.text_appears("Sign in to qa_coach")
    p.idle()
    assert "Olivia Grant" not in body()
    browser.get(f"{app_url}/interaction?id={interaction_id}")
    p.text_appears("Sign in to qa_coach")
    p.idle()
    assert "Page not found" not in body()
    p.shot("20_link_asks_to_sign_in")
    p.sign_in(*REP)
    p.text_appears("Automatic scorecard")
    p.idle()
    assert "Traceback" not in body() and "not found" not in body()
    p.shot("21_link_opened_after_sign_in")
    browser.get(f"{app_url}/?interaction={interaction_id}")  # the short form of the same link, signed in
    p.text_appears("Automatic scorecard")
    p.idle()
    assert f"/interaction?id={interaction_id}" in browser.current_url
    _representative_disputes_ticks_and_downloads(p, browser)
    p.click_button("Sign out")
    p.sign_in(*REVIEWER)
    p.text_appears("Rita Reviewer")
    p.idle()
    _reviewer_inbox_and_interactions(p, browser, interaction_id)


def _coaching_session_with_an_action_item(p: Page) -> None:
    """The admin, coaching Olivia: a session with notes and one action item, saved through the form."""
    p.type("coaching_notes", "Open every call with a greeting and your name.")
    p.type("coaching_item_0", ACTION_ITEM)
    p.click_button("Save session")
    p.text_appears("Coaching session saved with 1 action item(s).")
    p.idle()
    for key in ("coaching_notes", "coaching_item_0"):  # the form is empty again, on screen
        box = p.d.find_element("css selector", f".st-key-{key} input, .st-key-{key} textarea")
        assert box.get_attribute("value") == "", key
    p.wait.until(lambda d: d.find_element("css selector", '[data-testid="stExpander"] summary')).click()
    assert p.checkbox(ACTION_ITEM)  # the new session is listed with its item at once
    p.shot("12b_coaching_session_saved")


def _representative_disputes_ticks_and_downloads(p: Page, browser) -> None:
    """Olivia, on her call: disputes a score; ticks her action item (still ticked after a
    reload); sees her downloads on the progress page and downloads her scores."""
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    p.type("dispute_reason", DISPUTE_REASON)
    p.click_button("Raise dispute")
    p.text_appears("Dispute raised: a reviewer will answer it.")
    p.idle()
    assert DISPUTE_REASON in body()  # listed under Disputes, open
    p.shot("22_dispute_raised")

    p.nav("My interactions")
    p.text_appears("My action items")
    p.text_appears("1 open, 0 done")
    item = p.checkbox(ACTION_ITEM)
    assert not item.find_element("css selector", "input").is_selected()
    item.find_element("css selector", "label").click()
    p.text_appears("0 open, 1 done")
    p.idle()
    browser.refresh()  # the tick is stored, not only drawn
    p.text_appears("0 open, 1 done")
    p.idle()
    item = p.checkbox(ACTION_ITEM)
    assert item.find_element("css selector", "input").is_selected()
    p.scroll_to(item)
    p.shot("23_my_action_items")

    p.nav("Representative progress")
    assert p.download_buttons(3) == ["Scores (CSV)", "Scores (JSON)", "Coaching report (HTML)"]  # not the team's
    button = next(b for b in browser.find_elements("css selector", '[data-testid="stDownloadButton"] button')
                  if b.text.strip() == "Scores (CSV)")
    p.scroll_to(button)
    p.shot("24_progress_downloads")
    button.click()
    saved = browser.download_folder / "scores-olivia-grant.csv"
    p.wait.until(lambda d: saved.is_file() and saved.stat().st_size > 0, "waiting for the downloaded scores")
    text = saved.read_text(encoding="utf-8")
    assert CHAT_TICKET in text and text.count("\n") >= 3, text[:500]  # a header and her two interactions


def _reviewer_inbox_and_interactions(p: Page, browser, call_id: int) -> None:
    """Rita, reviewer of Olivia's team: the dispute waits in her inbox; the Interactions page
    lists both interactions, a search and a filter each narrow it to one, and a row opens."""
    body = lambda: browser.find_element("tag name", "body").text  # noqa: E731
    p.nav("Disputes inbox")
    p.text_appears("Showing 1–1 of 1 open disputes")
    p.table_shows("disputes_table", DISPUTE_REASON)
    p.shot("25_disputes_inbox")

    p.nav("Interactions")
    p.text_appears("Showing 1–2 of 2 interactions")
    p.idle()
    p.shot("26_interactions_list")
    p.type("ix_search", CHAT_TICKET)
    p.text_appears("Showing 1–1 of 1 interactions")
    p.idle()
    p.table_shows("ix_table", "chat", not_="voice")  # the cells in view: when, who, team, channel, scores, ...
    p.shot("27_interactions_searched")
    p.type("ix_search", "")
    p.text_appears("Showing 1–2 of 2 interactions")
    p.choose("ix_disputed", "Open dispute")
    p.text_appears("Showing 1–1 of 1 interactions")
    p.idle()
    p.table_shows("ix_table", "voice", not_="chat")
    p.shot("28_interactions_filtered")
    p.select_first_row("ix_table")
    p.wait.until(lambda d: f"/interaction?id={call_id}" in d.current_url, "waiting for the chosen interaction")
    p.text_appears("Automatic scorecard")
    p.idle()
    assert DISPUTE_REASON in body() and browser.find_elements("css selector", "audio")  # the disputed call
    p.shot("29_interactions_row_opened")
