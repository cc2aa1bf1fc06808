"""The Models page, run headless with Streamlit's AppTest: every user sees the catalog and the servers' status;
only an admin starts a planned server (here a real scripted model-server process) and stops it again."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest
import yaml

from app.services import accounts, serving
from tests.fakes.launch import SERVER as FAKE_SERVER
from tests.helpers.network import free_port
from tests.helpers.pages import open_page
from tests.helpers.waiting import wait_until


@pytest.fixture
def scripted_catalog(tmp_path: Path) -> Path:
    model = {
        "name": "fake-chat",
        "source": "tests/fakes/fake_openai_server.py",
        "role": "general",
        "params_b": 0.1,
        "layers": 1,
        "kv_heads": 1,
        "head_dim": 8,
        "engine": "command",
        "port": free_port(),
        "command": [sys.executable, str(FAKE_SERVER), "--port", "{port}", "--quiet", "--model", "{name}"],
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump({"models": [model]}))
    return path


def test_a_chemist_sees_catalog_and_status_but_cannot_start_or_stop(sqlite_db):
    at = open_page("models", accounts.create_user("carol", "correct horse battery"))
    assert not at.exception  # (the sizing tab's default example does not fit, which it says in an st.error)
    assert any("Read-only: an administrator starts" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label in ("Start", "Stop")]
    assert any("No model server has been started" in i.value for i in at.info)


def test_an_admin_starts_a_planned_server_and_stops_it(sqlite_db, scripted_catalog):
    at = open_page("models", accounts.create_user("root", "correct horse battery", role="admin"))
    at.text_input(key="models_catalog_path").set_value(str(scripted_catalog)).run()
    assert at.selectbox(key="models_start_pick").options == ["fake-chat"]
    state_dir = serving.default_state_dir()
    try:
        at.button(key="models_start").click().run()
        assert not at.exception
        assert any(s.value.startswith("Starting fake-chat") for s in at.success), [e.value for e in at.error]
        wait_until(  # the supervisor process starts, then the server it supervises
            lambda: [r["status"] for r in serving.status(state_dir)] == ["healthy"], "fake-chat healthy", timeout_s=60
        )
        assert [(r["status"], r["health"]) for r in serving.status(state_dir)] == [("healthy", "ok")]
        at.run()
        assert at.selectbox(key="models_start_pick").options == []  # running: nothing left to start

        # Live load: the backend's own token counters (vLLM's /metrics names), read at each run of the page.
        at.session_state["models_tab"] = "Status"
        at.run()
        url = serving.status(state_dir)[0]["url"]
        body = {"model": "fake-chat", "messages": [{"role": "user", "content": "one two three four"}]}
        for _ in range(3):
            httpx.post(f"{url}/v1/chat/completions", json=body, timeout=10).raise_for_status()
        at.run()
        [load] = [t.value for t in at.table if "generated tok/s" in t.value.columns]
        assert load.loc[0, "engine"] == "vllm" and float(load.loc[0, "generated tok/s"]) > 0
        assert any("GPU telemetry needs nvidia-ml-py" in c.value for c in at.caption)
        at.button(key="stop_fake-chat").click().run()
        assert "Stopped fake-chat." in [s.value for s in at.success]
        assert serving.status(state_dir)[0]["status"] == "stopped"
    finally:
        serving.down(state_dir, actor=None)


@pytest.mark.parametrize("count", [2, 4])
def test_the_sizing_tab_says_it_fits_exactly_when_the_total_is_within_what_the_engine_may_use(sqlite_db, count):
    at = open_page("models", accounts.create_user("dora", "correct horse battery"))
    at.number_input(key="size_count").set_value(count).run()
    metrics = {m.label: float(m.value.split()[0]) for m in at.metric if m.label in ("Total needed", "Engine may use")}
    fits = any(s.value.startswith("Fits on") for s in [*at.success, *at.warning])
    assert (metrics["Total needed"] <= metrics["Engine may use"]) == fits and fits == (count == 4)
