"""The feedback review queue and the fine-tuning export, as an instructor and the lab's operator use them."""

import json
from datetime import UTC, date, datetime

import pytest
import yaml
from typer.testing import CliRunner

from agents.offline import OFFLINE_MODEL_NAME
from app.cli.main import app
from app.errors import PermissionDenied, ValidationFailed
from app.services import accounts, feedback, review, sessions

PASSWORD = "correct horse battery"
runner = CliRunner()
TODAY = datetime.now(UTC).date()


@pytest.fixture
def people(db_url):
    return (
        accounts.create_user("chem", PASSWORD),
        accounts.create_user("teach", PASSWORD, role="instructor"),
    )


def answered(owner, question, answer, model="chem-lora (chemistry)"):
    info = sessions.create_session(owner, question[:40])
    sessions.add_message(owner, info.id, "user", question)
    return sessions.add_message(owner, info.id, "assistant", answer, model=model).id


@pytest.mark.parametrize(
    ("model", "role"),
    [
        ("chem-lora (chemistry)", "chemistry"),
        ("qwen2.5-7b-instruct (general)", "general"),
        (OFFLINE_MODEL_NAME, "offline"),
        ("safety guard", None),
        (None, None),
    ],
)
def test_the_model_role_is_read_from_the_message_model(model, role):
    assert review.role_of_model(model) == role


def test_instructor_sees_question_answer_and_comment_then_marks_reviewed(people):
    chem, teach = people
    message = answered(chem, "What is the MW of caffeine?", "About 194.19 g/mol.")
    feedback.give_feedback(chem, message, -1, "units missing", "194.19 g/mol (C8H10N4O2).")

    [item] = review.list_feedback(teach)
    assert (item.question, item.answer, item.comment, item.author) == (
        "What is the MW of caffeine?",
        "About 194.19 g/mol.",
        "units missing",
        "chem",
    )
    assert item.model_role == "chemistry"
    done = review.mark_reviewed(teach, item.feedback_id)
    assert (done.reviewed, done.reviewed_by) == (True, "teach")
    assert review.list_feedback(teach) == []
    assert [i.feedback_id for i in review.list_feedback(teach, status="reviewed", rating=-1, role="chemistry")] == [
        item.feedback_id
    ]
    assert review.list_feedback(teach, status="all", role="materials") == []


def test_chemists_cannot_review_or_export(people):
    chem, _ = people
    with pytest.raises(PermissionDenied):
        review.list_feedback(chem)
    with pytest.raises(PermissionDenied):
        review.finetune_examples("chemistry", actor=chem)


def test_reviewer_edits_the_correction(people):
    chem, teach = people
    message = answered(chem, "logP of benzene?", "1.5")
    feedback.give_feedback(chem, message, -1)
    [item] = review.list_feedback(teach)
    edited = review.set_correction(teach, item.feedback_id, "  Crippen logP of benzene is 1.69.  ", reviewed=True)
    assert (edited.correction, edited.reviewed) == ("Crippen logP of benzene is 1.69.", True)


def test_date_filters(people):
    chem, teach = people
    feedback.give_feedback(chem, answered(chem, "q", "a"), 1)
    assert len(review.list_feedback(teach, since=date(2000, 1, 1))) == 1
    assert review.list_feedback(teach, until=date(2000, 1, 1)) == []


def test_finetune_uses_only_reviewed_examples_and_corrections(people):
    chem, teach = people
    good = answered(chem, "MW of water?", "*The chemistry model 'x' failed: Timeout. Answered by y.*\n\n18.015 g/mol")
    corrected = answered(chem, "logP of benzene?", "1.5")
    wrong = answered(chem, "Tg of PMMA?", "20 °C")
    unreviewed = answered(chem, "pKa of acetic acid?", "4.76")
    general = answered(chem, "Hello?", "Hi.", model="qwen (general)")
    for message, rating, correction in [
        (good, 1, None),
        (corrected, -1, "Crippen logP of benzene is 1.69."),
        (wrong, -1, None),
        (unreviewed, 1, None),
        (general, 1, None),
    ]:
        feedback.give_feedback(chem, message, rating, "", correction)
    for item in review.list_feedback(teach):
        if item.message_id != unreviewed:
            review.mark_reviewed(teach, item.feedback_id)

    found = review.finetune_examples("chemistry", since=TODAY, actor=teach)

    pairs = [(e["messages"][1]["content"], e["messages"][2]["content"]) for e in found.examples]
    assert pairs == [("MW of water?", "18.015 g/mol"), ("logP of benzene?", "Crippen logP of benzene is 1.69.")]
    assert [m["role"] for m in found.examples[0]["messages"]] == ["system", "user", "assistant"]
    assert found.skipped == {"thumbs down without a correction": 1}


def test_cli_writes_jsonl_and_axolotl_config_beside_it(people, tmp_path):
    chem, teach = people
    feedback.give_feedback(chem, answered(chem, "MW of water?", "18.015 g/mol"), 1)
    review.mark_reviewed(teach, review.list_feedback(teach)[0].feedback_id)
    out = tmp_path / "chem.jsonl"

    result = runner.invoke(app, ["export", "finetune", "--role", "chemistry", "--since", f"{TODAY}", "-o", str(out)])

    assert result.exit_code == 0, result.output
    assert [json.loads(line)["messages"][2]["content"] for line in out.read_text().splitlines()] == ["18.015 g/mol"]
    config = yaml.safe_load((tmp_path / "chem.axolotl.yaml").read_text())
    assert (config["adapter"], config["datasets"][0]["path"], config["datasets"][0]["type"]) == (
        "qlora",
        "chem.jsonl",
        "chat_template",
    )


def test_cli_refuses_an_empty_export_and_a_bad_date(people, tmp_path):
    out = tmp_path / "none.jsonl"
    empty = runner.invoke(app, ["export", "finetune", "--role", "materials", "-o", str(out)])
    assert empty.exit_code == 1 and "No reviewed examples for role materials" in empty.output
    assert not out.exists()
    bad = runner.invoke(app, ["export", "finetune", "--role", "chemistry", "--since", "01/02/2026", "-o", str(out)])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_unknown_role_is_a_clear_error(people):
    with pytest.raises(ValidationFailed, match="Unknown model role 'chem'"):
        review.finetune_examples("chem")
