"""In a real browser, with every request that leaves 127.0.0.1 blocked and recorded: the Ketcher editor on the
Properties page draws benzene from its template, draws a pasted aspirin molfile, names both with their
canonical SMILES under the drawing, downloads it as a molfile and hands it to the property prediction; on
Molecules it draws the typed name; in Chat a drawing is asked about."""

import pytest
from playwright.sync_api import expect

from app.services import accounts
from tests.e2e.conftest import screenshot, scroll_to, sign_in
from tools.chem import from_molblock, from_smiles, to_molblock, to_smiles

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"
EDITOR = "iframe[title*='streamlit_ketcher']"


def _air_gap(page) -> list[str]:
    """Abort every request that would leave the machine, and keep its URL: the app must work without them."""
    left: list[str] = []

    def route(route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
            route.continue_()
        else:
            left.append(url)
            route.abort()

    page.route("**/*", route)
    return left


def _apply(page) -> None:
    """Ketcher's own Apply button, once the editor (12 MB of JavaScript and WebAssembly) has loaded."""
    expect(page.locator(EDITOR)).to_have_count(1)  # a new structure mounts a new editor; the old one goes
    editor = page.frame_locator(EDITOR)
    apply = editor.get_by_role("button", name="Apply")
    expect(apply).to_be_enabled(timeout=90_000)
    apply.click()


def _apply_after(page, pick_template, at: tuple[float, float]) -> None:
    """Pick a tool in the editor, click the canvas at a fraction of the editor's size, then Apply."""
    expect(page.frame_locator(EDITOR).get_by_role("button", name="Apply")).to_be_enabled(timeout=90_000)
    pick_template()
    box = page.locator(EDITOR).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * at[0], box["y"] + box["height"] * at[1])
    _apply(page)


def test_draw_name_and_predict_offline(live_app, page):
    left = _air_gap(page)
    accounts.create_user("dora", PASSWORD)
    sign_in(page, live_app, "dora", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_app}/properties")
    main = page.get_by_test_id("stMainBlockContainer")
    main.get_by_text("Draw a structure").click()

    # Draw: the benzene template, dropped on the canvas.
    editor = page.frame_locator(EDITOR)
    _apply_after(page, lambda: editor.get_by_title("Benzene (T)").click(), at=(0.45, 0.4))
    expect(main.get_by_text("benzene", exact=True)).to_be_visible(timeout=30_000)
    expect(main.locator("code").filter(has_text="c1ccccc1")).to_be_visible()
    screenshot(page, "structure_editor_benzene_drawn")

    # A molfile from elsewhere (here RDKit's) is drawn by Ketcher, read back through Apply, and named.
    main.get_by_label("Or paste a molfile (V2000 or V3000) to draw it").fill(
        to_molblock(from_smiles("CC(=O)Oc1ccccc1C(=O)O"))
    )
    main.get_by_role("button", name="Draw the molfile").click()
    _apply(page)  # in the new editor: an empty canvas would give back nothing, and no name
    expect(main.get_by_text("acetylsalicylic acid", exact=False)).to_be_visible(timeout=30_000)
    expect(main.get_by_text("IUPAC name: 2-acetyloxybenzoic acid")).to_be_visible()
    expect(main.locator("code").filter(has_text="CC(=O)Oc1ccccc1C(=O)O")).to_be_visible()
    scroll_to(page.locator(f"{EDITOR} >> visible=true").first)  # a re-render may leave a stale one
    screenshot(page, "structure_editor_aspirin_molfile")
    with page.expect_download() as download:
        main.get_by_role("button", name="Download molfile").click()
    molfile = download.value.path().read_text()
    assert to_smiles(from_molblock(molfile)) == "CC(=O)Oc1ccccc1C(=O)O"

    # A broken molfile gets a clear message, and the drawing stays.
    main.get_by_label("Or paste a molfile (V2000 or V3000) to draw it").fill("not a molfile\n  M  END")
    main.get_by_role("button", name="Draw the molfile").click()
    expect(main.get_by_text("That molfile cannot be drawn: Invalid mol block", exact=False)).to_be_visible()

    # The drawing goes into the page's own field and through the prediction.
    main.get_by_role("button", name="Use this structure").click()
    expect(page.get_by_label("SMILES, InChI or chemical name")).to_have_value("CC(=O)Oc1ccccc1C(=O)O")
    main.get_by_role("button", name="Predict").click()
    expect(main.get_by_text("Aqueous solubility logS (ESOL)")).to_be_visible(timeout=60_000)
    scroll_to(main.get_by_text("Aqueous solubility logS (ESOL)"))
    screenshot(page, "structure_editor_aspirin_predicted")
    assert left == [], f"requests left the machine: {left}"


def test_typed_name_is_drawn_on_molecules(live_app, page):
    left = _air_gap(page)
    accounts.create_user("eve", PASSWORD)
    sign_in(page, live_app, "eve", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_app}/molecules")
    main = page.get_by_test_id("stMainBlockContainer")
    page.get_by_label("SMILES, InChI or chemical name").fill("paracetamol")
    main.get_by_role("button", name="Analyse", exact=True).click()
    expect(main.get_by_text("C8H9NO2").first).to_be_visible(timeout=30_000)

    # The typed name, drawn by Ketcher, named back with its IUPAC name before anything is drawn by hand.
    main.get_by_text("Draw a structure").click()
    editor = page.frame_locator(EDITOR)
    expect(editor.get_by_role("button", name="Apply")).to_be_enabled(timeout=90_000)
    drawer = main.get_by_test_id("stExpander").filter(has_text="Draw a structure")
    expect(drawer.get_by_text("IUPAC name: N-(4-hydroxyphenyl)acetamide")).to_be_visible()
    expect(drawer.locator("code").filter(has_text="CC(=O)Nc1ccc(O)cc1")).to_be_visible()
    scroll_to(page.locator(f"{EDITOR} >> visible=true").first)  # a re-render may leave a stale one
    screenshot(page, "structure_editor_molecules_typed_name")
    assert left == [], f"requests left the machine: {left}"


def test_a_drawing_is_asked_about_in_chat(live_app, page):
    left = _air_gap(page)
    accounts.create_user("fay", PASSWORD)
    sign_in(page, live_app, "fay", PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    main = page.get_by_test_id("stMainBlockContainer")
    editor = page.frame_locator(EDITOR)
    page.get_by_role("link", name="Chat").click()
    page.get_by_role("button", name="Start a new research session").click()
    main.get_by_text("Draw a structure").click()
    _apply_after(page, lambda: editor.get_by_title("Cyclohexane (T)").click(), at=(0.45, 0.4))
    expect(main.get_by_text("cyclohexane", exact=True)).to_be_visible(timeout=30_000)
    main.get_by_role("button", name="Ask about this structure").click()
    expect(main.get_by_text("Tell me about C1CCCCC1").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("answered by offline").first).to_be_visible(timeout=180_000)  # first turn loads the reader
    expect(main.get_by_text("formula C6H12, molecular weight 84.162 g/mol", exact=False)).to_be_visible()
    screenshot(page, "structure_editor_chat_ask")
    assert left == [], f"requests left the machine: {left}"
