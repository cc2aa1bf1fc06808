"""In a real browser: a screen of a few hundred candidates on the Properties page shows its progress ('n of N
candidates, about X s left') and a Cancel button, and Cancel stops it with a message saying where it stopped."""

import re

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, sign_in
from tools.properties import datasets

pytestmark = [pytest.mark.e2e]
PASSWORD = "correct horse battery"
N = 600  # ESOL molecules: ten or more seconds of prediction on a 2-core machine, so there is time to cancel


def test_a_long_screen_shows_progress_and_cancel_stops_it(live_app, page):
    accounts.create_user("carol", PASSWORD)
    sign_in(page, live_app, "carol", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_app}/properties")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_role("tab", name="Screen").click()
    main.get_by_role("radio", name="A list").click()
    candidates = "\n".join(list(datasets.load("esol")["smiles"])[:N])
    main.get_by_role("textbox", name="Candidate SMILES, one per line").fill(candidates)
    main.get_by_role("textbox", name="Property windows, one per line").fill("logS > -4")
    main.get_by_role("button", name="Screen", exact=True).click()

    bar = main.get_by_test_id("stProgress")
    expect(bar).to_be_visible(timeout=30_000)
    # the bar moves: a chunk of candidates is done and the rate gives an estimate of the time left
    moving = re.compile(rf"Screening: [1-9][\d,]* of {N} candidates, about \d+ (s|min) left")
    expect(bar).to_contain_text(moving, timeout=90_000)  # the first screen after start also loads the model
    screenshot(page, "properties_screen_progress")

    main.get_by_role("button", name="Cancel").click()
    stopped = main.get_by_text(re.compile(rf"The screen was cancelled after [\d,]+ of {N} candidates"))
    expect(stopped).to_be_visible(timeout=60_000)
    expect(bar).to_have_count(0)
    expect(main.get_by_text("Screened ", exact=False)).to_have_count(0)  # no result table from a cancelled screen
    screenshot(page, "properties_screen_cancelled")
