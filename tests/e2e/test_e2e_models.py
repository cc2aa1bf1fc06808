"""In a real browser: an admin reads the model catalog, sizes a 4-bit 70B model on two RTX 3090s, watches the
Compute planner's break-even move when a cloud price changes, and reads a catalog's routing policies."""

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from app.services import accounts, serving
from serve import launcher
from serve.launcher import LaunchSpec
from tests.e2e.conftest import screenshot, sign_in
from tests.integration.serve.conftest import fake_argv, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
PASSWORD = "correct horse battery"


def tall_screenshot(page, name: str, height: int = 2000) -> None:
    """Streamlit scrolls inside its own container, so a tall viewport is what shows the whole page."""
    page.set_viewport_size({"width": 1280, "height": height})
    page.wait_for_timeout(300)
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_admin_sizes_a_70b_model_and_plans_compute(live_app, page):
    accounts.create_user("root", PASSWORD, role="admin")
    sign_in(page, live_app, "root", PASSWORD)
    main = page.get_by_test_id("stMainBlockContainer")

    page.get_by_role("link", name="Models").click()
    expect(page.get_by_role("heading", name="Models")).to_be_visible()
    for name in ("qwen2.5-7b-instruct", "llama-3.3-70b-awq", "llama-3.1-8b-q4", "bge-m3"):
        expect(main.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(main.get_by_text("chem-lora (chemistry), materials-lora (materials)")).to_be_visible()
    tall_screenshot(page, "models_catalog")

    page.get_by_role("tab", name="Sizing calculator").click()
    expect(page.get_by_label("Catalog model")).to_be_visible()
    expect(main.get_by_text("70.6 B parameters")).to_be_visible()  # the 70B AWQ model on 2 x RTX 3090 by default
    expect(main.get_by_text(re.compile(r"does not fit 2 x RTX 3090.*context of \d+ tokens or less"))).to_be_visible()
    context = page.get_by_label("Context (tokens per sequence)")
    context.fill("2048")
    context.press("Enter")
    expect(main.get_by_text("Fits on 2 x RTX 3090 at tensor-parallel degree 2")).to_be_visible()
    tall_screenshot(page, "models_sizing_70b_on_two_3090s")

    page.get_by_role("tab", name="Placement plan").click()
    expect(main.get_by_text(re.compile(r"^CUDA_VISIBLE_DEVICES=\d vllm serve casperhansen/")).first).to_be_visible()
    tall_screenshot(page, "models_placement")

    page.get_by_role("link", name="Compute planner").click()
    expect(page.get_by_role("heading", name="Compute planner")).to_be_visible()
    verdict = main.get_by_text(re.compile(r"^Break-even at [\d.,]+ M output tokens a month"))
    expect(verdict).to_be_visible()
    before = verdict.inner_text()
    price = page.get_by_label("Output, US$ per M tokens")
    price.fill("30")
    price.press("Enter")
    expect(verdict).not_to_have_text(before)
    expect(verdict).to_be_visible()
    tall_screenshot(page, "compute_planner", height=2900)

    # a catalog with routing policies: the Models page says which policy routes each model or role, and
    # which outside provider a role may use
    page.get_by_role("link", name="Models").click()
    catalog_path = page.get_by_role("textbox", name="Catalog YAML")
    catalog_path.fill("serve/examples/catalog-routing.yaml")
    catalog_path.press("Enter")
    routing = main.get_by_role("table").filter(has_text="outside providers")
    expect(routing.get_by_role("cell", name="chemistry", exact=True)).to_be_visible()
    expect(routing.get_by_role("cell", name="cloud-fallback (allowed)", exact=True)).to_be_visible()
    expect(routing.get_by_role("cell", name="cloud-fallback (off)", exact=True)).to_be_visible()
    expect(routing.get_by_role("cell", name="—", exact=True).first).to_be_visible()  # "none", not a bullet
    tall_screenshot(page, "models_routing")


def test_everyone_sees_a_running_servers_live_load(live_app, page):
    """A model server (the scripted one, speaking vLLM's protocol and metrics) runs under the supervisor; a
    chemist opens the Status tab and watches its tokens/s appear while requests arrive."""
    state_dir = serving.default_state_dir()
    port = free_port()
    spec = LaunchSpec(name="chem-server", argv=fake_argv(port, "--model", "chem-lora"), port=port)
    launcher.start(spec, state_dir)
    try:
        launcher.wait_healthy(state_dir, "chem-server", 30)
        accounts.create_user("carol", PASSWORD)
        sign_in(page, live_app, "carol", PASSWORD)
        main = page.get_by_test_id("stMainBlockContainer")
        page.get_by_role("link", name="Models").click()
        page.get_by_role("tab", name="Status").click()
        expect(main.get_by_text("Live load")).to_be_visible()
        expect(main.get_by_role("cell", name="vllm", exact=True)).to_be_visible()
        body = {"model": "chem-lora", "messages": [{"role": "user", "content": "a b c d e f g h"}]}
        load = main.get_by_role("table").filter(has_text="generated tok/s")
        generated = load.locator("tbody tr").first.locator("td").nth(2)
        nonzero = re.compile(r"^(0\.[1-9]|[1-9])")  # the page reads the counters every 5 s
        # Requests keep arriving until the page shows a rate: a rate needs two readings with traffic between them,
        # and on a busy machine the readings come later than every 5 s.
        deadline = time.monotonic() + 150
        while not nonzero.match(generated.inner_text()):
            assert time.monotonic() < deadline, "no tokens/s shown after 150 s of requests"
            httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=10)
            page.wait_for_timeout(250)
        expect(main.get_by_text(re.compile("GPU telemetry needs nvidia-ml-py|GPUs: NVML"))).to_be_visible()
        tall_screenshot(page, "models_status_live_load", height=1400)
    finally:
        launcher.stop(state_dir, "chem-server")
