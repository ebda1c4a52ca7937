"""A real browser against a real server: sign in, add a worker, see the code.

Needs Chromium and its driver from Debian (``chromium``, ``chromium-driver``);
skipped with the reason when they are missing. Set GATEWAY_SCREENSHOTS to a
folder to keep phone-width screenshots of the pages it visits.
"""

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from gateway import runtime
from gateway.models import SecurityCode, Worker
from gateway.verification.codes import code_hash
from tests.admin.conftest import PASSWORD, World, email
from tests.helpers import WORKER_PHONE

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE_SIZE = (390, 844)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs /usr/bin/chromium and /usr/bin/chromedriver "
        "(apt-get install chromium chromium-driver)",
    ),
]
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed (pip install -e .[test])"
)
By = pytest.importorskip("selenium.webdriver.common.by").By


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chrome-profile'}",
        f"--window-size={PHONE_SIZE[0]},{PHONE_SIZE[1]}",
    ):
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _shot(driver: Any, tmp_path: Path, name: str) -> None:
    # Full-page height at phone width, so the screenshot shows the whole form.
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(PHONE_SIZE[0], max(PHONE_SIZE[1], int(height) + 40))
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    keep = os.environ.get("GATEWAY_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    driver.set_window_size(*PHONE_SIZE)


def _go(driver: Any, by: str, target: str) -> None:
    """Click and wait for the next page, so later look-ups see the new one."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, target).click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(page))


def _fill(driver: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        box = driver.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)


def test_admin_signs_in_adds_a_worker_and_sees_the_code(
    server: str,
    chrome: Any,
    world: World,
    rt: runtime.Runtime,
    phone: Any,
    tmp_path: Path,
) -> None:
    phone(WORKER_PHONE).text("START 2h Newman to Hedland")
    phone(WORKER_PHONE).text("SOS flat tyre")
    chrome.get(f"{server}/admin/")
    _fill(chrome, {"email": email("admin"), "password": PASSWORD})
    _go(chrome, By.CSS_SELECTOR, "button[type=submit]")
    assert chrome.find_element(By.TAG_NAME, "h1").text == "Dashboard"
    _shot(chrome, tmp_path, "dashboard")
    _go(chrome, By.LINK_TEXT, "Workers")
    _go(chrome, By.LINK_TEXT, "Add a worker")
    _fill(chrome, {"first": "Aroha", "last": "Ngata", "phone": "0491 570 12"})
    _go(chrome, By.CSS_SELECTOR, "button[type=submit]")
    error = chrome.find_element(By.ID, "e-phone").text
    _shot(chrome, tmp_path, "add-worker")

    _fill(chrome, {"phone": "0491 570 120"})
    _go(chrome, By.CSS_SELECTOR, "button[type=submit]")

    code = chrome.find_element(By.ID, "security-code").text
    assert "not valid" in error
    assert re.fullmatch(r"\d{4}", code)
    assert "shown once" in chrome.page_source
    _shot(chrome, tmp_path, "worker-code")
    with rt.db.session() as session:
        worker = session.scalars(
            select(Worker).where(Worker.last_name == "Ngata")
        ).one()
        hashes = session.scalars(
            select(SecurityCode.code_hash).where(
                SecurityCode.worker_id == worker.id, SecurityCode.state == "pending"
            )
        ).all()
    assert worker.phone == "+61491570120"
    assert hashes == [code_hash(rt.settings.secret_key, code)]
