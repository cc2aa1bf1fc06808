"""End-to-end fixtures: the real app as a subprocess, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.db import migrate
from app.services import library as service
from app.settings import PROJECT_ROOT, reset_settings_cache
from tests.helpers.network import free_port, wait_for_health

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium missing: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a 2-core CI machine renders Streamlit slowly

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real Streamlit app on a free loopback port, with its own SQLite data dir."""
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CHEMASSIST_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CHEMASSIST_DATABASE_URL", raising=False)
    reset_settings_cache()
    migrate.upgrade()
    try:
        with running_app(data_dir, tmp_path / "app.log") as url:
            yield url
    finally:
        reset_settings_cache()


@contextmanager
def running_app(data_dir: Path, log_path: Path) -> Iterator[str]:
    """`chemassist web` over `data_dir` (already migrated) on a free loopback port, stopped on exit; also used by
    docs/screenshots.py."""
    port = free_port()
    env = {**os.environ, "CHEMASSIST_DATA_DIR": str(data_dir), "CHEMASSIST_PORT": str(port)}
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "web"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_health(url, timeout_s=60, process=proc, path="/_stcore/health")
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; app log:\n{log_path.read_text()}") from None
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Wait until Streamlit has finished its rerun (its status widget is gone)."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=120_000)


def scroll_to(locator, attempts: int = 5) -> None:
    """Scroll `locator` into view. A rerun may redraw the page and detach the element found a moment ago: wait
    for the rerun to end and look again, a few times, rather than fail on the stale element."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        settle(locator.page)
        try:
            locator.scroll_into_view_if_needed(timeout=30_000)
            return
        except Error as error:
            if "not attached" not in str(error) or attempt == attempts - 1:
                raise


def sign_in(page, url: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Research sessions")).to_be_visible()


# Made-up compounds and results: nothing here is real chemistry.
RECORDS = [
    {
        "id": "test:zorbium",
        "title": "Fictional test record: zorbium oxide nanorods for quibblene conversion",
        "abstract": "This is a made-up test record. Zorbium oxide nanorods calcined at 420 degrees Celsius "
        "converted quibblene into flarnol with a yield of 73 percent after six hours.",
        "year": 2021,
        "authors": ["A. Tester"],
        "source": "Test Journal of Imaginary Chemistry",
        "fields": "Catalysis; Testing",
    },
    {
        "id": "test:quenthyl",
        "title": "Fictional test record: elastic quenthyl polymer films",
        "abstract": "This is a made-up test record. Films of poly(quenthyl acrylate) stretched to 900 percent "
        "strain before breaking and recovered their shape within two seconds.",
        "year": 2019,
        "authors": ["B. Tester"],
        "source": "Test Letters in Pretend Polymers",
        "fields": "Polymers; Testing",
    },
    {
        "id": "test:marvane",
        "title": "Fictional test record: recycling marvane solvent by distillation",
        "abstract": "This is a made-up test record. Marvane solvent was recovered by vacuum distillation at "
        "95 percent purity and reused for twelve cycles without loss of performance.",
        "year": 2023,
        "authors": ["C. Tester"],
        "source": "Test Journal of Imaginary Chemistry",
        "fields": "Green chemistry; Testing",
    },
]


@pytest.fixture
def library_records(tmp_path: Path) -> Path:
    """Three fictional records ingested into the Milvus Lite file of the app's data dir (tmp_path/var, as in
    tests/e2e/conftest.py's live_app); the store is closed again, as Milvus Lite allows one process per file."""
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in RECORDS))
    try:
        report = service.ingest_files([records], uri=str(tmp_path / "var" / "milvus.db"))
    finally:
        service.close_stores()
    assert len(report.added) == len(RECORDS), report
    return records


@pytest.fixture
def live_app_with_library(library_records: Path, live_app: str) -> str:
    """The real app over the small library (library_records runs first: it is named first)."""
    return live_app
