"""In a real browser: plan a route to a benzyl ether, see the reaction diagram and in-stock precursors, save it to
the session, stop a long search, and see sarin refused with the list it is on."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from tests.e2e.conftest import screenshot, scroll_to, sign_in

ROUTE = re.compile(r"route \d+ ·", re.IGNORECASE)  # a route card, not the "Draw the target" editor
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
BENZYL_ETHER = "CC(=O)Nc1ccc(OCc2ccccc2)cc1"  # paracetamol + benzyl bromide: one Williamson ether step
HARD = "COc1cc2c(cc1OC)C1CC(=O)C(CC(C)C)CN1CC2C(=O)NC1CCN(Cc2ccccc2)CC1"  # many open routes: keeps searching


def _shot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(900, min(int(height), 5000))})
    page.wait_for_timeout(500)
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def _search(page, target: str) -> None:
    page.get_by_label("Target: SMILES, chemical name or InChI").fill(target)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()  # dataframe toolbars have "Search" too


def test_synthesis_page_plans_saves_stops_and_refuses(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    session = sessions.create_session(bob, "Protecting groups")
    sign_in(page, live_app, "bob", PASSWORD)
    page.goto(f"{live_app}/synthesis?session={session.id}")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_role("heading", name="Synthesis planning")).to_be_visible()

    _search(page, BENZYL_ETHER)
    # The first search after the app starts waits for the template library (seconds; minutes on a busy machine).
    expect(main.get_by_text("Solved:", exact=False)).to_be_visible(timeout=240_000)
    route = main.get_by_test_id("stExpander").filter(has_text=ROUTE).first
    expect(route.locator(".chemassist-structure svg").first).to_be_visible()  # the reaction diagram
    expect(route.get_by_text("acylation and related processes", exact=False)).to_be_visible()  # Ac2O + the aniline
    expect(route.get_by_text("in stock · USPTO-50k stock").first).to_be_visible()
    expect(route.get_by_text("CC(=O)OC(C)=O", exact=True)).to_be_visible()
    with page.expect_download() as download:
        route.get_by_role("button", name="Route as SVG").click()
    svg = Path(download.value.path()).read_text()
    assert "<svg" in svg and "acylation and related processes" in svg

    main.get_by_role("button", name="Add to session “Protecting groups”").click()
    expect(main.get_by_text("to “Protecting groups”.", exact=False)).to_be_visible()
    _shot(page, "synthesis_route")
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "route" and artifact.payload["routes"][0]["solved"]

    page.get_by_label("Time limit (s)").fill("300")
    page.get_by_label("Routes").fill("20")
    _search(page, HARD)
    iterations = main.get_by_test_id("stMetricValue").first  # the live progress: iterations, routes, elapsed
    expect(iterations).to_have_text(re.compile(r"^[1-9]"), timeout=30_000)
    screenshot(page, "synthesis_progress")
    main.get_by_role("button", name="Stop", exact=True).click()
    expect(main.get_by_text("stopped: stopped by the user", exact=False)).to_be_visible(timeout=30_000)
    expect(main.get_by_text("Not solved.", exact=False)).to_be_visible()
    _shot(page, "synthesis_stopped")

    _search(page, "CC(C)OP(C)(=O)F")
    refusal = main.get_by_test_id("stAlertContentError")
    expect(refusal.get_by_text("Synthesis planning refused", exact=False)).to_be_visible(timeout=30_000)
    expect(refusal.get_by_text("OPCW CWC Annex on Chemicals, Schedule 1A(1)", exact=False).first).to_be_visible()
    expect(main.get_by_test_id("stExpander").filter(has_text=ROUTE)).to_have_count(0)  # no routes
    _shot(page, "synthesis_refused")


PARACETAMOL_RECORD = {"canonical_smiles": "CC(=O)Nc1ccc(O)cc1", "formula": "C8H9NO2", "input": "paracetamol"}


def test_a_purchasable_drug_from_the_session_gets_a_route_unless_told_to_stop(live_app, page):
    """Issue 19: paracetamol is in stock, yet a chemist asking how to make it sees the acetylation of 4-aminophenol."""
    carol = accounts.create_user("carol", PASSWORD)
    session = sessions.create_session(carol, "Analgesics")
    sessions.add_artifact(carol, session.id, "molecule", PARACETAMOL_RECORD, title="paracetamol (C8H9NO2)")
    sign_in(page, live_app, "carol", PASSWORD)
    page.goto(f"{live_app}/synthesis?session={session.id}")
    main = page.get_by_test_id("stMainBlockContainer")

    main.get_by_test_id("stSelectbox").filter(has_text="Molecules in “Analgesics”").click()
    page.get_by_role("option", name="paracetamol (C8H9NO2)").click()
    expect(page.get_by_label("Target: SMILES, chemical name or InChI")).to_have_value("CC(=O)Nc1ccc(O)cc1")
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(main.get_by_text("Also purchasable:", exact=False)).to_be_visible(timeout=240_000)
    expect(main.get_by_text("in stock (USPTO-50k stock)", exact=False)).to_be_visible()
    expect(main.get_by_text("Solved:", exact=False)).to_be_visible()
    route = main.get_by_test_id("stExpander").filter(has_text=ROUTE).first
    expect(route.get_by_text("1 step · longest linear sequence 1 · linear", exact=False).first).to_be_visible()
    expect(route.get_by_text("acylation and related processes (class 2)", exact=False)).to_be_visible()
    expect(route.get_by_text("from 40 training reactions", exact=False)).to_be_visible()
    expect(route.get_by_text("Nc1ccc(O)cc1", exact=True)).to_be_visible()  # 4-aminophenol, a starting material
    expect(route.get_by_text("CC(=O)Nc1ccc(O)cc1", exact=True)).to_have_count(0)  # never its own starting material
    expect(route.get_by_text("(length penalty", exact=False)).to_be_visible()  # the score's parts
    _shot(page, "synthesis_in_stock_route")

    page.get_by_text("Stop when the target is in stock").click()
    _search(page, "paracetamol")
    expect(main.get_by_text("Already in stock", exact=False)).to_be_visible(timeout=60_000)
    expect(main.get_by_test_id("stExpander").filter(has_text=ROUTE)).to_have_count(0)
    _shot(page, "synthesis_in_stock_stopped")


def test_a_step_that_leaves_a_second_phenol_free_shows_the_protecting_group_flag(live_app, page):
    """Issue 19: 4-benzyloxyphenol straight from hydroquinone leaves one OH free under O-alkylation; that step says
    which group may need protection, why, and on whose authority."""
    accounts.create_user("dave", PASSWORD)
    sign_in(page, live_app, "dave", PASSWORD)
    page.goto(f"{live_app}/synthesis")
    main = page.get_by_test_id("stMainBlockContainer")
    _search(page, "Oc1ccc(OCc2ccccc2)cc1")
    expect(main.get_by_text("Solved:", exact=False)).to_be_visible(timeout=240_000)
    routes = main.get_by_test_id("stExpander").filter(has_text=re.compile(r"Route \d+ ·"))
    expect(routes).to_have_count(5)  # the page has finished drawing the routes
    flagged = routes.filter(has_text="step(s) may need protection").first
    flag = flagged.get_by_text("may need protection of phenol OH (atom 0 of Oc1ccc(O)cc1)", exact=False)
    if flagged.locator("details").get_attribute("open") is None:  # only the first route starts open
        flagged.locator("summary").click()
    expect(flag).to_be_visible()
    expect(flagged.get_by_text("Greene", exact=False).first).to_be_visible()
    scroll_to(flag)
    _shot(page, "synthesis_protection_flag")
