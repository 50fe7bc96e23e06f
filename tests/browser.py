"""Helpers for the real-browser checks: Debian's headless Chromium driven by selenium, and a local web server.

The checks need `chromium` and `chromium-driver` (apt) and selenium (PyPI, the dev extra); `missing_browser()`
says in one line what is missing, so the tests skip with that reason where they are not installed.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = "chromedriver"
# Chromium's own background traffic (updates, safe browsing, metrics) is switched off: only the page's requests remain.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
                  "--window-size=1400,1000")
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}


def missing_browser() -> str | None:
    """None when the browser checks can run here; otherwise one line saying what to install."""
    if not any(shutil.which(name) for name in CHROMIUM):
        return "no Chromium: apt-get install chromium chromium-driver (CI installs them) · 未安装 Chromium"
    if shutil.which(DRIVER) is None:
        return "no chromedriver: apt-get install chromium-driver · 未安装 chromium-driver"
    if importlib.util.find_spec("selenium") is None:
        return "no selenium: pip install -e '.[dev]' · 未安装 selenium"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium that records the console and the network (performance log); quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = next(shutil.which(name) for name in CHROMIUM if shutil.which(name))
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 at a free port; yields the base URL (with a final slash)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def network_events(driver: Any) -> list[dict[str, Any]]:
    """The Network.* events of the performance log since it was last read."""
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return [event for event in events if event["method"].startswith("Network.")]


def outside_requests(events: list[dict[str, Any]], base_url: str) -> list[str]:
    """URLs the page requested from anywhere but the local server (data: and blob: URLs stay in the page)."""
    local = urlsplit(base_url).netloc
    urls = [event["params"]["request"]["url"] for event in events if event["method"] == "Network.requestWillBeSent"]
    return [url for url in urls if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != local]


def failed_requests(events: list[dict[str, Any]]) -> list[str]:
    """Requests that failed or were answered with an HTTP error, as 'status url'."""
    failed = [f"failed {event['params'].get('errorText', '')} {event['params']['requestId']}"
              for event in events if event["method"] == "Network.loadingFailed" and not event["params"].get("canceled")]
    return failed + [f"{event['params']['response']['status']} {event['params']['response']['url']}"
                     for event in events if event["method"] == "Network.responseReceived"
                     and event["params"]["response"]["status"] >= 400]


def console_errors(driver: Any) -> list[str]:
    """The console's error messages since the log was last read."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
