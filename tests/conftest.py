"""Shared fixtures: a click ``runner``, and a headless Chromium (playwright) for browser tests.

The browser is Debian's ``/usr/bin/chromium`` (``make test`` installs it); pages are opened with
every network request blocked except ``file:`` and ``data:`` URLs, and the blocked requests,
console errors and page errors are recorded for the test to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session", autouse=True)
def region_cache(tmp_path_factory):
    """Regions the tests build (--region) go to a temporary cache, never the user's ~/.cache/sxmap."""
    import os

    path = tmp_path_factory.mktemp("sxmap-cache")
    before = os.environ.get("SXMAP_CACHE")
    os.environ["SXMAP_CACHE"] = str(path)
    yield path
    if before is None:
        os.environ.pop("SXMAP_CACHE", None)
    else:
        os.environ["SXMAP_CACHE"] = before


@pytest.fixture
def runner():
    """click's CliRunner (stdout and stderr kept apart)."""
    return CliRunner()


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class OfflinePage:
    """A page with the network blocked, and what it tried and said."""

    page: object
    blocked: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)

    def open(self, path, ready="window.sxmapReady === true", timeout=60_000):
        """Load a file and wait until ``ready`` (a JS expression) is true."""
        from pathlib import Path

        self.page.goto(Path(path).resolve().as_uri())
        if ready:
            self.page.wait_for_function(ready, timeout=timeout)
        return self.page

    def count(self, selector):
        return self.page.eval_on_selector_all(selector, "els => els.length")


@pytest.fixture
def offline_page(chromium):
    """A new Chromium page that may load ``file:`` and ``data:`` URLs only."""
    page = chromium.new_page(viewport={"width": 1200, "height": 800})
    state = OfflinePage(page)

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:")):
            return r.continue_()
        state.blocked.append(url)
        return r.abort()

    def on_console(message):
        if message.type == "error":
            state.console_errors.append(message.text)

    def on_dialog(dialog):
        state.dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: state.page_errors.append(str(exc)))
    page.on("dialog", on_dialog)
    yield state
    page.close()
