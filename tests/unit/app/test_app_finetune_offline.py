"""Reviewed corrections of offline-mode answers reach the fine-tuning export, and what is left out says why
(issue 18: such a correction used to export as 0 examples for every role, without a word)."""

from datetime import UTC, datetime

import pytest

from agents.offline import OFFLINE_MODEL_NAME
from app.errors import ValidationFailed
from app.services import accounts, feedback, review, sessions

PASSWORD = "correct horse battery"
TODAY = datetime.now(UTC).date()


@pytest.fixture
def people(db_url):
    return accounts.create_user("chem", PASSWORD), accounts.create_user("teach", PASSWORD, role="instructor")


def reviewed(chem, teach, question, answer, rating, correction=None, model=OFFLINE_MODEL_NAME):
    info = sessions.create_session(chem, question[:40])
    sessions.add_message(chem, info.id, "user", question)
    message = sessions.add_message(chem, info.id, "assistant", answer, model=model).id
    given = feedback.give_feedback(chem, message, rating, "", correction)
    review.mark_reviewed(teach, given.id)


def test_a_corrected_offline_answer_goes_to_the_role_its_question_routes_to(people):
    chem, teach = people
    reviewed(chem, teach, "What is the logP of aspirin?", "logP 1.31 (template)", -1, "Crippen logP of aspirin: 1.31.")

    chemistry = review.finetune_examples("chemistry", since=TODAY, actor=teach)
    general = review.finetune_examples("general", since=TODAY, actor=teach)

    assert [e["messages"][1:] for e in chemistry.examples] == [
        [
            {"role": "user", "content": "What is the logP of aspirin?"},
            {"role": "assistant", "content": "Crippen logP of aspirin: 1.31."},
        ]
    ]
    assert general.examples == []
    assert general.skipped == {"correction of an offline-mode answer, in the chemistry set (by its question)": 1}


def test_an_uncorrected_offline_answer_is_left_out_with_the_reason(people):
    chem, teach = people
    reviewed(chem, teach, "What is the logP of aspirin?", "logP 1.31 (template)", 1)

    found = review.finetune_examples("chemistry", since=TODAY, actor=teach)

    assert found.examples == []
    assert found.skipped == {"offline-mode answer without a correction (template text is not training data)": 1}


def test_an_empty_export_says_what_was_left_out(people, tmp_path):
    chem, teach = people
    reviewed(chem, teach, "What is the logP of aspirin?", "logP 1.31 (template)", 1)

    with pytest.raises(ValidationFailed, match=r"Left out: 1 × offline-mode answer without a correction"):
        review.write_finetune(tmp_path / "chemistry.jsonl", "chemistry", actor=teach)
    assert not (tmp_path / "chemistry.jsonl").exists()
