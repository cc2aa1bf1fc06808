"""In a real browser: a route search stored with a chat answer is shown as a route card that says what the planner
recorded (steps, longest linear sequence, shape, score parts; per step the reaction class, template generality,
precedent patents, groups that may need protecting; the stock of each starting material), read from the typed
result, for a route stored by an earlier version (no `kind`) too. The routes are real planner results
(tests/fixtures/tool_results)."""

import pytest
from playwright.sync_api import expect

from app.services import accounts, sessions
from tests.e2e.conftest import screenshot, scroll_to, sign_in
from tests.fixtures import tool_results
from tools import results

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def test_the_chat_route_card_shows_the_planners_record(live_app, page):
    bob = accounts.create_user("bob", PASSWORD)
    info = sessions.create_session(bob, "Routes")
    sessions.add_message(bob, info.id, "user", "How do I make paracetamol and 4-benzyloxyphenol?")
    answer = sessions.add_message(bob, info.id, "assistant", "Routes below.", model="offline (no language model)")
    paracetamol = tool_results.result("route_paracetamol")  # as chat stores it today: with its `kind`
    legacy = {k: v for k, v in tool_results.result("route_benzyloxyphenol").items() if k != "kind"}
    sessions.add_artifact(bob, info.id, "route", paracetamol, title="Routes to paracetamol", message_id=answer.id)
    sessions.add_artifact(bob, info.id, "route", legacy, title="Routes to 4-benzyloxyphenol", message_id=answer.id)
    search = results.parse("plan_synthesis", paracetamol)
    assert isinstance(search, results.RouteSearchResult)
    best = search.routes[0]

    page.set_default_timeout(120_000)  # a fresh app's first page is slow on a busy machine
    page.goto(live_app)
    page.get_by_label("Username").wait_for()
    sign_in(page, live_app, "bob", PASSWORD)
    page.goto(f"{live_app}/chat?session={info.id}")
    main = page.get_by_test_id("stMainBlockContainer")
    card = main.get_by_test_id("stExpander").filter(has_text="route: Routes to paracetamol")
    expect(card.get_by_text("1 step · longest linear sequence 1 · linear · solved").first).to_be_visible(
        timeout=120_000
    )
    expect(card.get_by_text(f"score {best.score_text}").first).to_be_visible()
    expect(card.get_by_text("reaction class: acylation and related processes").first).to_be_visible()
    expect(card.get_by_text("template 127, from 40 training reactions").first).to_be_visible()
    expect(card.get_by_text(f"precedent patents: {', '.join(best.steps[0].patent_ids)}").first).to_be_visible()
    expect(card.get_by_text("in stock · USPTO-50k stock").first).to_be_visible()
    scroll_to(card.get_by_text("precedent patents").first)
    screenshot(page, "chat_route_card")

    old = main.get_by_test_id("stExpander").filter(has_text="route: Routes to 4-benzyloxyphenol")
    expect(old.get_by_text("may need protection of phenol OH (atom 0 of Oc1ccc(O)cc1)").first).to_be_visible()
    expect(old.get_by_text("1 step(s) may need protection").first).to_be_visible()
    scroll_to(old.get_by_text("may need protection of phenol OH").first)
    screenshot(page, "chat_route_card_protection")
