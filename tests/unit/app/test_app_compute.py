"""The services behind the Models and Compute planner pages: catalogs from paths or uploads with clear errors,
the sizing calculator's verdict, plans with command lines and systemd units, and the cost curves."""

import io
import zipfile
from datetime import UTC, datetime

import pytest

from app.db.models import Role
from app.errors import ValidationFailed
from app.services import accounts, compute, serving
from app.ui import serving_tables
from tests.helpers.pages import open_page


def test_the_example_catalog_is_read_by_default():
    names = [row["model"] for row in serving_tables.catalog_rows(serving.read_catalog())]
    assert names == ["qwen2.5-7b-instruct", "llama-3.3-70b-awq", "llama-3.1-8b-q4", "bge-m3"]


def test_uploaded_yaml_with_a_syntax_error_says_where():
    with pytest.raises(ValidationFailed, match=r"catalog mine.yaml is not valid YAML at line 1, column \d+"):
        serving.read_catalog(text=b"models: [ {name: x", name="mine.yaml")


def test_uploaded_catalog_with_a_bad_field_names_it():
    text = "models:\n  - {name: x, source: y, role: chemistry, params_b: -1, layers: 2, kv_heads: 1, head_dim: 8}\n"
    with pytest.raises(ValidationFailed, match=r"models\.0\.params_b: Input should be greater than 0"):
        serving.read_catalog(text=text)


def test_a_missing_catalog_path_is_a_clear_error():
    with pytest.raises(ValidationFailed, match="does not exist"):
        serving.read_catalog("serve/examples/no-such-catalog.yaml")


def test_a_4_bit_70b_fits_two_rtx_3090s_at_tp_2_with_a_short_context():
    model = serving.model_for_sizing(serving.read_catalog().get("llama-3.3-70b-awq"))
    sizing = serving.size_model(model, "RTX 3090", 2, context=2048)
    assert sizing.verdict().startswith("Fits on 2 x RTX 3090 at tensor-parallel degree 2")


def test_at_its_full_context_the_sizing_says_what_would_fit_instead():
    model = serving.model_for_sizing(serving.read_catalog().get("llama-3.3-70b-awq"))
    verdict = serving.size_model(model, "RTX 3090", 2, context=8192).verdict()
    assert "does not fit 2 x RTX 3090" in verdict and "4 x RTX 3090 would hold it" in verdict


def test_asking_for_more_sequences_than_the_cache_holds_gives_the_context_that_would():
    model = serving.model_for_sizing(serving.read_catalog().get("llama-3.3-70b-awq"))
    sizing = serving.size_model(model, "RTX 3090", 2, context=2048, concurrent=4)
    assert not sizing.holds_requested and f"about {sizing.context_at_requested} tokens" in sizing.verdict()


def test_a_gguf_quantization_switches_the_sized_model_to_llama_server():
    model = serving.model_for_sizing(serving.read_catalog().get("qwen2.5-7b-instruct"), quantization="Q4_K_M")
    assert model.engine == "llama-server" and not model.adapters


def test_custom_architecture_numbers_are_validated():
    with pytest.raises(ValidationFailed, match="attention_heads"):
        serving.model_for_sizing(params_b=7, layers=32, kv_heads=8, head_dim=128, attention_heads=12)


def test_two_gpus_at_tp_1_count_as_two_replicas():
    model = serving.model_for_sizing(params_b=8, layers=32, kv_heads=8, head_dim=128, quantization="fp16")
    sizing = serving.size_model(model, "H100 SXM", 2, context=4096)
    assert (sizing.best.tp, sizing.replicas) == (1, 2)


def test_the_example_plan_has_command_lines_and_installable_units():
    plan = serving.plan_for(serving.read_catalog(), serving.read_cluster())
    lines = [serving.command_line(spec) for spec in plan.specs]
    names = zipfile.ZipFile(io.BytesIO(serving.systemd_zip(plan))).namelist()
    assert any(line.startswith("CUDA_VISIBLE_DEVICES=") and " vllm serve " in line for line in lines)
    assert names == [f"chemassist-{spec.name}.service" for spec in plan.specs]


def test_status_of_a_fresh_installation_is_empty(tmp_path):
    assert serving.status(tmp_path / "serve") == []


def test_cost_curve_steps_up_by_one_deployment_at_capacity():
    hosted = compute.self_hosted(gpus=1, output_tokens_per_s=100, purchase_usd_per_gpu=3600, amortisation_years=3)
    api = compute.cloud(2.5, 10)
    capacity = compute.run(hosted, api, 0, 3).capacity_output_tokens_per_month
    curve = compute.cost_curve(hosted, api, 3, 3 * capacity)
    assert sorted(set(curve.self_hosted_usd)) == pytest.approx([120, 240, 360])  # $100 a month + 20 % ops


def test_impossible_planner_inputs_become_clear_errors():
    with pytest.raises(ValidationFailed, match="utilisation"):
        compute.self_hosted(gpus=1, output_tokens_per_s=100, utilisation=1.5)


def test_every_default_says_where_it_comes_from():
    rows = compute.assumption_rows("RTX 3090")
    assert all(row["source"] for row in rows) and any("assumption" in str(row["source"]).lower() for row in rows)


def _page(name: str, role: Role):
    # a real account: the shell re-reads the signed-in account from the database on every run
    return open_page(name, accounts.create_user(f"user-{role.value}", "correct horse battery", role=role))


def test_chemists_see_the_models_page_read_only(sqlite_db):
    app = _page("models", Role.chemist)
    assert not app.exception and app.text_input(key="models_catalog_path").disabled
    assert "Only administrators" not in " ".join(e.value for e in app.error)


def test_instructors_see_the_models_page_read_only(sqlite_db):
    app = _page("models", Role.instructor)
    assert not app.exception and app.text_input(key="models_catalog_path").disabled


def test_the_compute_planner_opens_with_a_break_even(sqlite_db):
    app = _page("compute", Role.instructor)
    assert not app.exception and any(i.value.startswith("Break-even at") for i in app.info)


@pytest.fixture
def a_dead_backend(sqlite_db, tmp_path, monkeypatch):
    """A state dir holding one backend whose supervisor is gone, with a log, as `chemassist serve up` leaves it."""
    from app.settings import reset_settings_cache
    from serve.launcher import BackendState, log_path, write_state

    monkeypatch.setenv("CHEMASSIST_DATA_DIR", str(tmp_path / "var"))
    reset_settings_cache()
    state_dir = serving.default_state_dir()
    now = datetime.now(UTC).timestamp()
    write_state(
        state_dir,
        BackendState(
            name="qwen-test", status="healthy", supervisor_pid=999_999, supervisor_started=1, host="127.0.0.1",
            port=18001, served_names=["qwen-test"], log_file="x", started_at=now, updated_at=now,
        ),
    )  # fmt: skip
    log = log_path(state_dir, "qwen-test")
    log.parent.mkdir(parents=True)
    log.write_text("loading weights\nserver ready\n")
    yield state_dir
    reset_settings_cache()


def test_the_status_tab_shows_a_dead_backend_its_log_and_how_to_start_it(a_dead_backend):
    app = _page("models", Role.admin)
    assert any("qwen-test: dead" in e.label for e in app.expander)
    assert any("server ready" in c.value for c in app.code)
    assert any(c.value.startswith("chemassist serve up qwen-test") for c in app.code)


def test_table_cells_show_a_dash_for_what_is_not_known_and_join_served_names():
    raw = {"name": "a", "status": "stopped", "health": None, "url": "http://x", "models": ["m1", "m2"]}
    row = serving_tables.status_rows([raw | {"restarts": 0, "pid": None, "message": None}])[0]
    reading = serving.BackendLoadReading("a", None, "metrics unreachable (ConnectError)")
    load = serving_tables.load_rows([reading])[0]
    assert (row["health"], row["models"], row["pid"], row["message"]) == ("—", "m1, m2", "—", "")
    assert (load["generated tok/s"], load["note"]) == ("—", "metrics unreachable (ConnectError)")
