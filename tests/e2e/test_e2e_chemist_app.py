"""In a real browser, the app as a chemist expects it (issue 18): chemistry shows exactly as typed, the open
session lives in the address, feedback shows as given and reaches the fine-tuning export, and `chemassist web`
stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.db import migrate
from app.services import accounts, sessions
from app.settings import PROJECT_ROOT, reset_settings_cache
from tests.e2e.conftest import screenshot, sign_in
from tests.helpers.network import free_port, wait_for_health

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
NITROMETHANE = "C[N+](=O)[O-]"
POLYSTYRENE = "*CC(*)c1ccccc1"


def ask(page, question: str, answers_so_far: int) -> None:
    box = page.get_by_placeholder("Ask about a molecule")
    box.fill(question)
    box.press("Enter")
    expect(page.get_by_text("answered by offline").nth(answers_so_far)).to_be_visible(
        timeout=240_000
    )  # a busy 2-core machine answers slowly


def test_smiles_show_exactly_in_bubbles_tool_cards_titles_and_the_sidebar(live_app, page):
    accounts.create_user("bob", PASSWORD)
    sign_in(page, live_app, "bob", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()

    ask(page, f"Tell me about {NITROMETHANE}", 0)
    ask(page, POLYSTYRENE, 1)

    main = page.get_by_test_id("stMainBlockContainer")
    bubbles = main.get_by_test_id("stChatMessage")
    expect(bubbles.nth(0)).to_contain_text(f"Tell me about {NITROMETHANE}")  # the user's own words
    expect(bubbles.nth(2)).to_contain_text(POLYSTYRENE)
    expect(main.get_by_text(f"molecule_info(query='{NITROMETHANE}')").first).to_be_visible()  # the tool card
    expect(main.get_by_text(f"molecule: {NITROMETHANE}").first).to_be_visible()  # the artifact's title
    # The offline answer already has the descriptor table: the molecule card shows the drawing, not the table again.
    card = main.get_by_test_id("stExpander").filter(has_text=f"molecule: {NITROMETHANE}").first
    expect(card.locator(".chemassist-structure svg")).to_be_visible()
    expect(card.get_by_text("Descriptors: in the answer's table above.")).to_be_visible()
    expect(card.get_by_test_id("stDataFrame")).to_have_count(0)
    expect(main.get_by_text(POLYSTYRENE).first).to_be_visible()
    assert bubbles.locator("a").count() == 0, "no part of a SMILES may turn into a link"
    assert "CC()c1ccccc1" not in main.inner_text()
    # The session is named after the first question: the sidebar shows that title as typed too.
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Research session: Tell me about {NITROMETHANE}")
    screenshot(page, "chemist_app_smiles_exact")


def test_the_open_session_and_the_page_live_in_the_address(live_app, page):
    alice = accounts.create_user("alice", PASSWORD)
    private = sessions.create_session(alice, "Alice's unpublished route")
    sessions.add_message(alice, private.id, "user", "Secret intermediate of project X")
    accounts.create_user("bob", PASSWORD)

    page.goto(f"{live_app}/molecules")  # a bookmark, before signing in: the sign-in form, then that page
    expect(page.get_by_text("Page not found")).to_have_count(0)
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Molecules")).to_be_visible()

    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Research session: New research session")
    page.get_by_role("link", name="Molecules").click()
    expect(page.get_by_role("heading", name="Molecules")).to_be_visible()
    expect(page).to_have_url(f"{live_app}/molecules?session=2")
    page.go_back()  # back goes back to the Chat page of that session
    expect(page.get_by_role("heading", name="Chat")).to_be_visible()
    expect(sidebar).to_contain_text("Research session: New research session")
    expect(page.get_by_text("Start a new research session")).to_have_count(0)

    page.get_by_role("link", name="Molecules").click()
    expect(page.get_by_role("heading", name="Molecules")).to_be_visible()
    page.reload()  # F5 on another page keeps the session open
    expect(page.get_by_role("heading", name="Molecules")).to_be_visible()
    expect(sidebar).to_contain_text("Research session: New research session")
    expect(page).to_have_url(f"{live_app}/molecules?session=2")

    page.goto(f"{live_app}/sessions")  # the Sessions page by its own address
    expect(page.get_by_role("heading", name="Research sessions")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)

    page.goto(f"{live_app}/chat?session={private.id}")  # someone else's session: a clear message, none of it
    expect(page.get_by_text(f"Research session {private.id} does not exist or is not shared with you")).to_be_visible()
    expect(page.get_by_text("Secret intermediate")).to_have_count(0)
    expect(page.get_by_text("unpublished route")).to_have_count(0)
    screenshot(page, "chemist_app_session_link_denied")


def test_feedback_shows_as_given_and_an_offline_correction_reaches_the_finetune_export(live_app, page, browser):
    accounts.create_user("bob", PASSWORD)
    accounts.create_user("teach", PASSWORD, role="instructor")
    sign_in(page, live_app, "bob", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    ask(page, "What is the logP of aspirin?", 0)

    page.get_by_role("radio", name="Thumbs down").first.click()
    page.get_by_role("button", name="Comment or correct this answer").click()  # at once, no reload needed
    page.get_by_role("textbox", name="Comment", exact=True).fill("Say which logP model it is")
    page.get_by_label("What the right answer would be (optional)").fill("Crippen logP of aspirin: 1.31.")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Your feedback is saved (comment: Say which logP model it is; a correction)")
    ).to_be_visible()

    page.reload()
    expect(page.get_by_text("answered by offline")).to_be_visible()
    expect(page.get_by_role("radio", name="Thumbs down").first).to_be_checked()  # the saved thumb, after a reload
    expect(page.get_by_text("Your feedback is saved (comment: Say which logP model it is")).to_be_visible()
    screenshot(page, "chemist_app_feedback_after_reload")

    reviewer = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
    sign_in(reviewer, live_app, "teach", PASSWORD)
    reviewer.get_by_role("link", name="Feedback review").click()
    expect(reviewer.get_by_text("Say which logP model it is")).to_be_visible()
    reviewer.get_by_role("button", name="Save and mark reviewed").click()
    expect(reviewer.get_by_text("Marked reviewed.")).to_be_visible()
    # The question is about a molecule: the router gives it to the chemistry role, and its export has it.
    expect(reviewer.get_by_text("1 example(s)")).to_be_visible()
    reviewer.get_by_label("Answers of the model role").click()
    reviewer.get_by_role("option", name="general").click()
    expect(reviewer.get_by_text("0 example(s) · left out: 1 × correction of an offline-mode answer, in the "
                                "chemistry set")).to_be_visible()  # fmt: skip
    screenshot(reviewer, "chemist_app_finetune_offline_correction")
    reviewer.context.close()


@pytest.fixture
def web_process(library_records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """`chemassist web` as a real subprocess over the small library (the process itself, to signal it)."""
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CHEMASSIST_DATA_DIR", str(data_dir))
    reset_settings_cache()
    migrate.upgrade()
    port = free_port()
    env = {**os.environ, "CHEMASSIST_DATA_DIR": str(data_dir), "CHEMASSIST_PORT": str(port)}
    log = (tmp_path / "app.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli.main", "web"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, timeout_s=60, process=proc, path="/_stcore/health")
        yield proc, url, port
    finally:
        for pid in _children(proc.pid):  # a Streamlit child left behind by a failed test
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        reset_settings_cache()


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _running(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_chemassist_web_stops_on_sigterm_after_the_library_was_searched(web_process, page):
    proc, url, port = web_process
    accounts.create_user("bob", PASSWORD)
    sign_in(page, url, "bob", PASSWORD)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    # SIGTERM while a literature question runs: Milvus Lite's in-process server threads, busy with the search,
    # used to keep the process alive for good after Streamlit had stopped.
    box = page.get_by_placeholder("Ask about a molecule")
    box.fill("What does the literature report about quibblene conversion over zorbium oxide nanorods?")
    box.press("Enter")
    expect(page.get_by_role("button", name="Stop")).to_be_visible()
    time.sleep(3)
    screenshot(page, "chemist_app_before_sigterm")

    streamlit = _children(proc.pid) or [proc.pid]  # the Streamlit process, wherever it runs
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("chemassist web was still running 15 s after SIGTERM")
    left = [pid for pid in streamlit if _running(pid)]
    assert left == [], f"Streamlit left running: {left}"
    assert not _port_open(port), "the web app's port still answers"
