"""The synthesis service as the Synthesis page uses it: names resolved, the full safety screen, stop, SVG export;
and the page itself rendered headless (AppTest) from a finished search."""

import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.db import migrate
from app.errors import ValidationFailed
from app.services import accounts, sessions
from app.services import synthesis as service
from app.settings import PROJECT_ROOT, reset_settings_cache
from app.ui import synthesis as ui

pytestmark = pytest.mark.slow  # loads the template library and fingerprints 40k training products
BENZYL_ETHER = "CC(=O)Nc1ccc(OCc2ccccc2)cc1"  # paracetamol + benzyl bromide, one Williamson step
PAGE = str(PROJECT_ROOT / "pages" / "synthesis.py")


@pytest.fixture(scope="module", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("synthesis") / "var"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHEMASSIST_DATA_DIR", str(path))
        mp.delenv("CHEMASSIST_DATABASE_URL", raising=False)
        reset_settings_cache()
        service.reset_planners()
        yield path
    reset_settings_cache()
    service.reset_planners()


@pytest.fixture(scope="module")
def solved() -> service.SearchResult:
    return service.search(BENZYL_ETHER, time_limit_s=30, max_routes=3)


def test_a_solved_route_ends_in_stock_with_each_leaf_source(solved: service.SearchResult) -> None:
    routes = [route.to_dict() for route in solved.routes]
    assert solved.solved and routes[0]["n_steps"] == 1
    assert all(leaf["in_stock"] and leaf["source"] for route in routes for leaf in route["leaves"])
    williamson = {("BrCc1ccccc1", "uspto50k"), ("CC(=O)Nc1ccc(O)cc1", "uspto50k")}  # among the alternatives
    assert williamson in [{(leaf["smiles"], leaf["source"]) for leaf in route["leaves"]} for route in routes]


def test_a_name_is_resolved_and_a_target_in_stock_says_so() -> None:
    result = service.search("paracetamol", time_limit_s=5, stop_at_stock=True)
    assert result.target_in_stock and result.extra["read_as"].startswith("synonym table")
    assert result.message == "CC(=O)Nc1ccc(O)cc1 is already in stock (uspto50k): nothing to plan."


def test_a_drug_name_from_the_name_table_is_planned() -> None:
    result = service.search("imatinib", time_limit_s=5, max_routes=1)
    assert result.target == "Cc1ccc(NC(=O)c2ccc(CN3CCN(C)CC3)cc2)cc1Nc1nccc(-c2cccnc2)n1"
    assert "DrugCentral" in result.extra["read_as"] and result.routes


def test_sarin_is_refused_with_the_list_entry_and_its_source() -> None:
    with pytest.raises(service.TargetRefused) as refused:
        service.search("CC(C)OP(C)(=O)F", time_limit_s=5)
    assert refused.value.hits[0]["name"] == "sarin"
    assert "OPCW CWC Annex on Chemicals, Schedule 1A(1)" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a target"),
        ("C1CC(", "not a valid SMILES"),
        ("unobtainium hydrate", "neither a valid SMILES nor a known chemical name"),
    ],
)
def test_bad_targets_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        service.search(text, time_limit_s=5)


def test_absurd_limits_are_refused_before_any_work() -> None:
    with pytest.raises(ValidationFailed, match="time limit must be between"):
        service.search(BENZYL_ETHER, time_limit_s=0)


def test_a_set_stop_event_ends_the_search_at_once() -> None:
    stop = threading.Event()
    stop.set()
    result = service.search(BENZYL_ETHER, time_limit_s=60, stop=stop)
    assert result.stop_reason == "stopped by the user" and result.iterations == 0


def test_a_route_exports_as_one_svg_with_a_diagram_per_step(solved: service.SearchResult) -> None:
    svg = service.route_svg(solved.routes[0].to_dict())
    root = ET.fromstring(svg.split("\n", 1)[1])
    assert len(root.findall("{http://www.w3.org/2000/svg}svg")) == solved.routes[0].n_steps


def test_a_malformed_inventory_file_is_a_clear_error() -> None:
    with pytest.raises(ValidationFailed, match="'smiles' column"):
        service.add_inventory(b"name;cas\nbenzyl bromide;100-39-0\n")


def test_the_page_shows_routes_with_stock_status_and_saves_them(solved: service.SearchResult) -> None:
    migrate.upgrade()
    bob = accounts.create_user("bob", "correct horse battery")
    session = sessions.create_session(bob, "Protecting groups")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["account"] = bob
    at.session_state["current_session_id"] = session.id
    at.session_state["syn_outcome"] = ui.Outcome(result=ui.typed(solved.to_dict() | solved.extra))
    at.run()
    assert not at.exception
    text = " ".join(str(m.value) for m in at.markdown)
    assert ":green-badge[in stock · USPTO-50k stock]" in text and "**Step 1** · reaction class:" in text
    [add] = [b for b in at.button if b.key == "syn_add"]
    add.click().run()
    [artifact] = sessions.list_artifacts(bob, session.id)
    assert artifact.kind.value == "route" and artifact.payload["routes"][0]["solved"]
    assert (artifact.payload["kind"], artifact.payload["input"]) == ("route_search", BENZYL_ETHER)
