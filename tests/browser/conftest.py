"""Debian's Chromium driven by Playwright, against the real server of ``live_server`` (tests/conftest.py).

The browser is the system's (``chromium`` on the PATH), never one that
``playwright install`` would download.
"""

import shutil

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.serving import served
from tests.test_demo_group import demo_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    assert executable, "the browser tests need Debian's chromium package"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="package")
def demo_instance(_database_template, tmp_path_factory):
    """An ``init --demo`` instance served on a free port, built once for the browser tests that
    walk through the demo."""
    with demo_app(_database_template, tmp_path_factory) as app, served(app) as instance:
        yield instance


@pytest.fixture(scope="package")
def chinese_demo_instance(_database_template, tmp_path_factory):
    """The demo of an instance whose language is Chinese (``DEALERQMS_LANGUAGE=zh_CN``): its
    starter procedures and records written in Chinese, as a Chinese dealer group's are."""
    with demo_app(_database_template, tmp_path_factory, language="zh_CN") as app, served(app) as instance:
        yield instance


@pytest.fixture
def demo_server(demo_instance):
    return demo_instance.url
