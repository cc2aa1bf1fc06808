"""Running a workshop: join codes, exercise sessions, checks and progress, with access enforced in the service."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db.engine import session_scope
from app.db.models import Workshop, utcnow
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.services import accounts, sessions, workshops

PASSWORD = "correct horse battery"


@pytest.fixture
def people(db_url):
    return {
        "teacher": accounts.create_user("teacher", PASSWORD, role="instructor"),
        "ann": accounts.create_user("ann", PASSWORD),
        "ben": accounts.create_user("ben", PASSWORD),
        "eve": accounts.create_user("eve", PASSWORD),
    }


@pytest.fixture
def workshop(people):
    info = workshops.create_workshop(people["teacher"], "onboarding", title="Onboarding March")
    for name in ("ann", "ben"):
        workshops.join_workshop(people[name], info.display_code)
    return info


def test_an_instructor_gets_an_unambiguous_code_and_participants_join_with_it(people):
    info = workshops.create_workshop(people["teacher"], "onboarding")
    assert len(info.join_code) == 6 and set(info.join_code) <= set(workshops.CODE_ALPHABET)
    assert not set(info.join_code) & set("0O1IL")
    joined = workshops.join_workshop(people["ann"], f" {info.display_code.lower()} ")
    assert (joined.id, joined.role, joined.participant_count) == (info.id, "participant", 1)
    assert [w.title for w in workshops.list_workshops(people["ann"])] == ["chemassist onboarding"]


def test_a_chemist_cannot_run_a_workshop(people):
    with pytest.raises(PermissionDenied, match="instructors and administrators"):
        workshops.create_workshop(people["ann"], "onboarding")


def test_wrong_expired_and_closed_codes_are_refused_with_the_reason(people):
    info = workshops.create_workshop(people["teacher"], "onboarding")
    with pytest.raises(ValidationFailed, match="No workshop has the join code 'ZZZ-ZZZ'"):
        workshops.join_workshop(people["ann"], "ZZZ-ZZZ")
    with session_scope() as db:
        db.execute(update(Workshop).values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(ValidationFailed, match="expired .* Ask your instructor for a new code"):
        workshops.join_workshop(people["ann"], info.join_code)
    renewed = workshops.reopen_workshop(people["teacher"], info.id, hours=2)
    assert renewed.join_code != info.join_code
    workshops.close_workshop(people["teacher"], info.id)
    with pytest.raises(ValidationFailed, match="has been closed"):
        workshops.join_workshop(people["ann"], renewed.join_code)
    assert workshops.get_workshop(people["teacher"], info.id).participant_count == 0


def test_checks_are_stored_and_shown_on_the_instructor_dashboard(people, workshop):
    ann = people["ann"]
    failed = workshops.check_exercise(ann, workshop.id, "mw-logp-window", "CCCCCCCCCCCC")
    passed = workshops.check_exercise(ann, workshop.id, "mw-logp-window", "aspirin")
    assert (failed.passed, passed.passed, passed.progress.attempts) == (False, True, 2)
    board = {p.username: p for p in workshops.dashboard(people["teacher"], workshop.id)}
    assert board["ann"].exercises["mw-logp-window"].status == "passed"
    assert board["ben"].exercises["mw-logp-window"].status == "not started"
    assert workshops.my_progress(ann, workshop.id)["mw-logp-window"].answer == "aspirin"
    with pytest.raises(PermissionDenied):
        workshops.dashboard(ann, workshop.id)


def test_each_exercise_runs_in_the_participants_own_session(people, workshop):
    ann = people["ann"]
    progress = workshops.start_exercise(ann, workshop.id, "first-question")
    again = workshops.start_exercise(ann, workshop.id, "first-question")
    info = sessions.get_session(ann, progress.session_id)
    assert again.session_id == progress.session_id
    assert (info.title, info.access) == ("Workshop Onboarding March · Your first question", "owner")


def test_a_participant_cannot_read_another_participants_session(people, workshop):
    ann_session = workshops.start_exercise(people["ann"], workshop.id, "first-question").session_id
    sessions.add_message(people["ann"], ann_session, "user", "What is the MW of caffeine?")
    for outsider in (people["ben"], people["eve"]):
        with pytest.raises(NotFound):
            sessions.get_session(outsider, ann_session)
        with pytest.raises(NotFound):
            sessions.list_messages(outsider, ann_session)


def test_the_instructor_reads_exercise_sessions_read_only(people, workshop):
    ann_session = workshops.start_exercise(people["ann"], workshop.id, "first-question").session_id
    assert sessions.get_session(people["teacher"], ann_session).access == "shared"
    with pytest.raises(PermissionDenied, match="read-only"):
        sessions.add_message(people["teacher"], ann_session, "user", "let me fix that")


def test_sharing_with_the_workshop_group_is_read_only_for_members_only(people, workshop):
    notes = sessions.create_session(people["ann"], "My notes")
    workshops.share_with_group(people["ann"], notes.id, workshop.id)
    assert sessions.get_session(people["ben"], notes.id).access == "shared"
    assert [g.title for g in workshops.group_sessions(people["ben"], workshop.id)] == ["My notes"]
    assert [s.title for s in sessions.list_sessions(people["ben"], scope="shared")] == ["My notes"]
    assert [s.title for s in sessions.list_sessions(people["teacher"], scope="all")] == ["My notes"]
    assert sessions.list_sessions(people["eve"], scope="all") == []
    with pytest.raises(PermissionDenied):
        sessions.rename_session(people["ben"], notes.id, "Ben's now")
    with pytest.raises(NotFound):
        sessions.get_session(people["eve"], notes.id)
    with pytest.raises(NotFound):  # members cannot share what is not theirs
        workshops.share_with_group(people["ben"], notes.id, workshop.id)
    workshops.unshare_from_group(people["ann"], notes.id, workshop.id)
    with pytest.raises(NotFound):
        sessions.get_session(people["ben"], notes.id)
    assert sessions.list_sessions(people["ben"], scope="shared") == []


def test_outsiders_do_not_see_the_workshop_and_closed_workshops_record_no_checks(people, workshop):
    with pytest.raises(NotFound):
        workshops.get_workshop(people["eve"], workshop.id)
    with pytest.raises(PermissionDenied, match="join the workshop"):
        workshops.start_exercise(people["teacher"], workshop.id, "first-question")
    workshops.close_workshop(people["teacher"], workshop.id)
    with pytest.raises(ValidationFailed, match="closed"):
        workshops.check_exercise(people["ann"], workshop.id, "mw-logp-window", "aspirin")


def test_a_deleted_exercise_session_is_replaced_on_the_next_start(people, workshop):
    first = workshops.start_exercise(people["ann"], workshop.id, "first-question")
    title = sessions.get_session(people["ann"], first.session_id).title
    sessions.delete_session(people["ann"], first.session_id, confirm_title=title)
    second = workshops.start_exercise(people["ann"], workshop.id, "first-question")
    assert sessions.get_session(people["ann"], second.session_id).title == title
