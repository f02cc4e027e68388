"""`qa-coach app`, started from any folder, shows its users no Deploy button (a real browser).

Streamlit shows "Deploy" and the developer menu to a browser on the same machine unless
``client.toolbarMode`` says otherwise; the launch command sets it. The app runs from a folder
outside the checkout, so the checkout's .streamlit/config.toml cannot be what hides it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_browser import CHROMIUM_FLAGS, _browser_paths, _free_port

pytestmark = pytest.mark.slow  # a browser and the app in a server


def test_qa_coach_app_has_no_deploy_button(tmp_path):
    pytest.importorskip("selenium") if not os.environ.get("CI") else __import__("selenium")
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    port = _free_port()
    env = {**os.environ, "QA_COACH_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    env.pop("QA_COACH_DATABASE_URL", None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    command = [str(Path(sys.executable).with_name("qa-coach")), "app", "--no-demo", "--port", str(port),
               "--address", "127.0.0.1"]
    with (tmp_path / "app.log").open("w") as log:
        proc = subprocess.Popen(command, cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start: {(tmp_path / 'app.log').read_text()[-2000:]}")
                time.sleep(0.5)
        driver.get(f"http://127.0.0.1:{port}")
        WebDriverWait(driver, 60).until(lambda d: "Welcome to qa_coach" in d.find_element("tag name", "body").text)
        time.sleep(2)  # the toolbar is drawn with the page's first message
        assert driver.find_elements("css selector", '[data-testid="stHeader"]')  # the header is there ...
        assert not driver.find_elements("css selector", '[data-testid="stAppDeployButton"]')  # ... without Deploy
        assert "Deploy" not in driver.find_element("tag name", "body").text
    finally:
        driver.quit()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
