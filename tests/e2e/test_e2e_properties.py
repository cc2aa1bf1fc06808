"""In a real browser: the Properties page — caffeine's solubility with its interval and domain flag, a Tg screen
of polystyrene analogs saved to a session, and a model card with its parity plot."""

import re

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_properties_page_end_to_end(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    session = sessions.create_session(bob, "High-Tg polymers")
    sign_in(page, live_app, "bob", PASSWORD)
    page.set_viewport_size({"width": 1400, "height": 2000})  # Streamlit scrolls inside: show the whole page
    page.goto(f"{live_app}/properties?session={session.id}")
    main = page.get_by_test_id("stMainBlockContainer")
    expect(main.get_by_role("heading", name="Properties")).to_be_visible()

    page.get_by_label("SMILES, InChI or chemical name").fill("caffeine")
    main.get_by_role("button", name="Predict").click()
    expect(main.get_by_text("Aqueous solubility logS (ESOL)")).to_be_visible(timeout=30_000)
    expect(main.get_by_text(" logS to ", exact=False)).to_be_visible()  # the 90% interval
    expect(main.get_by_text("check_circle in domain").first).to_be_visible()  # the badge
    expect(main.get_by_text("predicted by model esol-", exact=False)).to_be_visible()
    expect(main.get_by_role("tabpanel", name="Predict").locator("canvas").first).to_be_visible()  # the table
    screenshot(page, "properties_predict_caffeine")
    # the chemist picks mg/mL: mg/mL first, logS beside
    main.get_by_test_id("stButtonGroup").get_by_text("mg/mL", exact=True).click()
    expect(main.get_by_text(re.compile(r"predicted value [\d.]+ mg/mL \(-?[\d.]+ logS\)")).first).to_be_visible()
    screenshot(page, "properties_predict_caffeine_mg_per_ml")

    main.get_by_role("tab", name="Screen").click()
    main.get_by_role("radio", name="polystyrene").click()
    main.get_by_label("Most analogs").fill("5")
    main.get_by_role("textbox", name="Property windows, one per line").fill("Tg > 100 °C")
    main.get_by_role("button", name="Screen", exact=True).click()
    expect(main.get_by_text("Screened 6 candidates", exact=False)).to_be_visible(timeout=60_000)
    screen = main.get_by_role("tabpanel", name="Screen")
    expect(screen.locator(".chemassist-structure svg")).to_be_visible()  # the top candidates
    expect(screen.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
    screen.get_by_role("button", name="Add to session “High-Tg polymers”").click()
    expect(main.get_by_text("Added the screening table to “High-Tg polymers”.")).to_be_visible()
    screenshot(page, "properties_screen_polystyrene")
    main.get_by_test_id("stButtonGroup").get_by_text("K", exact=True).click()
    expect(screen.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
    screenshot(page, "properties_screen_polystyrene_kelvin")
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "table" and [r["rank"] for r in artifact.payload["rows"]] == [1, 2, 3, 4, 5, 6]

    main.get_by_role("tab", name="Model cards").click()
    expect(main.get_by_text("Parity plot")).to_be_visible(timeout=30_000)
    expect(main.get_by_test_id("stPlotlyChart").first).to_be_visible()
    expect(main.get_by_test_id("stPlotlyChart")).to_have_count(2)
    screenshot(page, "properties_model_cards")
