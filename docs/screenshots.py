"""Screenshots of every page at 1280x800, as a chemist and as an admin, with the pages' work done (issue 18).

Run from the project root (minutes: a chat answer, a prediction, a planned route and the demo library):

    .venv/bin/python -m docs.screenshots            # writes docs/screenshots/<role>-<page>[-full].png

It starts the real app (`chemassist web`) on a fresh data directory with the demo literature library, creates a
chemist and an admin, seeds a research session for each, and drives Debian's Chromium through every page the
role's menu shows: <role>-<page>.png is what fits in the window (above the fold), <role>-<page>-full.png the whole
page. docs/screenshots/index.json lists each shot with the layout problems tests/e2e/test_e2e_layout.py checks
for (sideways scrolling, exception boxes, tracebacks). docs/visual-pass.md records what a person saw in them."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app.db import migrate
from app.errors import NotFound
from app.services import accounts, library, sessions
from app.settings import PROJECT_ROOT, reset_settings_cache
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, running_app, sign_in
from tests.e2e.test_e2e_layout import (
    NOT_OPEN,
    PAGES,
    ROLE_PAGES,
    VIEWPORT,
    delete_for_ever_problems,
    layout_problems,
    settle,
)

OUT = PROJECT_ROOT / "docs" / "screenshots"
PASSWORD = "correct horse battery"
MAX_PNG_BYTES = 400_000  # a full page larger than this is cut at CLIP_HEIGHT
MAX_HEIGHT, CLIP_HEIGHT = 6000, 2400  # px
LONG = 600_000  # ms: the first answer, prediction or route on a busy 2-core machine loads models first
SESSION_TITLE = "Polyimide Tg screen for the 2027 membrane project"
BENZYL_ETHER = "CC(=O)Nc1ccc(OCc2ccccc2)cc1"  # paracetamol benzyl ether: one Williamson ether step


def _main(page: Page):
    return page.get_by_test_id("stMainBlockContainer")


def ask_in_chat(page: Page) -> None:
    if page.get_by_text("answered by ").count():  # a --data-dir session answered on an earlier run
        return
    box = page.get_by_placeholder("Ask about a molecule")
    box.fill("What is the molecular weight and logP of caffeine?")
    box.press("Enter")
    expect(page.get_by_text("answered by ").first).to_be_visible(timeout=LONG)


def analyse_molecule(page: Page) -> None:
    page.get_by_label("SMILES, InChI or chemical name").fill("aspirin")
    page.get_by_role("button", name="Analyse", exact=True).click()
    expect(_main(page).get_by_text("C9H8O4").first).to_be_visible(timeout=LONG)


def predict_properties(page: Page) -> None:
    page.get_by_label("SMILES, InChI or chemical name").fill("caffeine")
    _main(page).get_by_role("button", name="Predict").click()
    expect(_main(page).get_by_text("Aqueous solubility logS (ESOL)")).to_be_visible(timeout=LONG)


def plan_route(page: Page) -> None:
    page.get_by_label("Target: SMILES, chemical name or InChI").fill(BENZYL_ETHER)
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()  # dataframe toolbars have "Search" too
    expect(_main(page).get_by_text("Solved:", exact=False)).to_be_visible(timeout=LONG)


def search_library(page: Page) -> None:
    page.get_by_role("tab", name="Search").click()
    page.get_by_label("Search the library").fill("glass transition temperature of polymers")
    panel = _main(page).get_by_role("tabpanel", name="Search")
    panel.get_by_test_id("stBaseButton-primaryFormSubmit").click()
    expect(panel.get_by_role("button", name="Open in its document").first).to_be_visible(timeout=LONG)


ACTIONS: dict[str, Callable[[Page], None]] = {
    "chat": ask_in_chat,
    "molecules": analyse_molecule,
    "properties": predict_properties,
    "synthesis": plan_route,
    "library": search_library,
}


# Streamlit scrolls inside its main block (or, on a page with a chat input, inside a scroll-to-bottom container)
SCROLL_HEIGHT = """() => Math.max(document.body.scrollHeight, ...Array.from(document.querySelectorAll(
    '[data-testid=stMain], [data-testid=stAppScrollToBottomContainer]'), e => e.scrollHeight))"""


def shoot(page: Page, name: str) -> list[str]:
    """<name>.png as the window shows it, and (for a page longer than the window) <name>-full.png with the whole
    page: the window grows to the page's height for that shot; a page too long for a few hundred KB of PNG is cut
    at CLIP_HEIGHT (said in its name)."""
    fold = OUT / f"{name}.png"
    page.screenshot(path=str(fold))
    height = max(VIEWPORT["height"], min(int(page.evaluate(SCROLL_HEIGHT)), MAX_HEIGHT))
    if height <= VIEWPORT["height"]:  # the window shows the whole page: no second file
        return [fold.name]
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    page.wait_for_timeout(500)
    full = OUT / f"{name}-full.png"
    page.screenshot(path=str(full))
    if full.stat().st_size > MAX_PNG_BYTES:
        full.unlink()
        full = OUT / f"{name}-top-{CLIP_HEIGHT}px.png"
        page.screenshot(path=str(full), clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": CLIP_HEIGHT})
    page.set_viewport_size(VIEWPORT)
    page.wait_for_timeout(300)
    return [fold.name, full.name]


def seed(data_dir: Path) -> dict[str, int]:
    """A migrated database with a chemist and an admin, one research session each, and the demo library; a data
    directory from an earlier run (--data-dir) keeps its accounts, sessions and library."""
    os.environ["CHEMASSIST_DATA_DIR"] = str(data_dir)
    os.environ.pop("CHEMASSIST_DATABASE_URL", None)
    reset_settings_cache()
    migrate.upgrade()
    session_ids = {}
    for role, name in (("chemist", "Carla Chemist"), ("admin", "Ada Admin")):
        try:
            account = accounts.find_account(role)
        except NotFound:
            account = accounts.create_user(role, PASSWORD, display_name=name, role=role)
        found = sessions.list_sessions(account, query=SESSION_TITLE, scope="mine")
        if found:
            session_ids[role] = found[0].id
            continue
        session = sessions.create_session(account, SESSION_TITLE)
        sessions.add_message(account, session.id, "user", "Which polyimides keep Tg above 300 °C?")
        session_ids[role] = session.id
    print("Loading the demo library if it is not there yet (minutes on a busy machine) ...", flush=True)
    try:
        library.ensure_demo_library()
    finally:
        library.close_stores()  # Milvus Lite: one process per file; the app opens it next
    return session_ids


def visit(page: Page, url: str, role: str, session_id: int) -> list[dict]:
    shots = []
    page.goto(url)
    settle(page, "chemassist")
    shots.append(
        {"role": role, "page": "login", "problems": layout_problems(page), "files": shoot(page, f"{role}-login")}
    )
    sign_in(page, url, role, PASSWORD)
    for name in ROLE_PAGES[role]:
        page.goto(f"{url}/{name}?session={session_id}")
        settle(page, PAGES[name])
        unfinished = []
        if action := ACTIONS.get(name):
            try:
                action(page)
                settle(page, PAGES[name])
            except (
                AssertionError,
                PlaywrightTimeoutError,
            ) as exc:  # shoot what the page shows and say so in index.json
                unfinished = [f"{action.__name__} did not finish: {str(exc).splitlines()[0]}"]
        print(f"  {role} {name}", flush=True)
        problems = unfinished + layout_problems(page)
        shots.append({"role": role, "page": name, "problems": problems, "files": shoot(page, f"{role}-{name}")})
    page.goto(f"{url}/sessions")
    settle(page, PAGES["sessions"])
    problems = delete_for_ever_problems(page)
    page.screenshot(path=str(OUT / f"{role}-sessions-manage.png"))
    shots.append(
        {"role": role, "page": "sessions (Manage)", "problems": problems, "files": [f"{role}-sessions-manage.png"]}
    )
    for name in sorted(set(PAGES) - set(ROLE_PAGES[role])):  # a bookmarked page the role may not open
        page.goto(f"{url}/{name}")
        settle(page, NOT_OPEN)
        shot = f"{role}-{name}-not-open.png"
        page.screenshot(path=str(OUT / shot))
        shots.append({"role": role, "page": f"{name} (not open)", "problems": layout_problems(page), "files": [shot]})
    return shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", nargs="+", choices=sorted(ROLE_PAGES), default=["chemist", "admin"])
    parser.add_argument(
        "--data-dir", type=Path, help="Keep the app's data here (reused by the next run: no second demo ingest)"
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    shots: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="chemassist-shots-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "var"
        session_ids = seed(data_dir)
        with running_app(data_dir, Path(tmp) / "app.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for role in args.roles:
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                page.set_default_timeout(30_000)
                shots += visit(page, url, role, session_ids[role])
                context.close()
            browser.close()
    (OUT / "index.json").write_text(json.dumps({"viewport": VIEWPORT, "shots": shots}, indent=1) + "\n")
    bad = [s for s in shots if s["problems"]]
    for shot in bad:
        print(f"{shot['role']} {shot['page']}: " + "; ".join(shot["problems"]))
    print(f"{len(shots)} pages, {len(bad)} with layout problems; screenshots in {OUT.relative_to(PROJECT_ROOT)}/")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
