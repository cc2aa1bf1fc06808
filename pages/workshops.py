"""Workshops page: instructors create a workshop from a pack, show its join code and follow live progress;
participants join with the code, work through sections and exercises and press Check."""

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app.db.models import Role
from app.errors import ChemassistError
from app.services import sessions, workshops
from app.services.workshops import ExerciseProgress
from app.ui import auth, state, text
from app.ui.chat_job import ChatJob
from app.workshops import builtin_packs
from app.workshops.checks import accepts_answer
from app.workshops.pack import Exercise

account = auth.require_account()
state.follow_pending_chat()  # the live dashboard's timer can undo a switch to the Chat page
runs_workshops = account.role in (Role.instructor, Role.admin)
_SELECTED = "workshop_id"
MARKS = {"passed": "✓ done", "failed": "✗ not yet", "started": "… started", "not started": "·"}
BADGES = {
    "passed": ":green-badge[:material/check: passed]",
    "failed": ":red-badge[not yet]",
    "started": ":blue-badge[started]",
    "not started": ":gray-badge[not started]",
}

st.title("Workshops")


def _flash(kind: str, message: str) -> None:
    st.session_state["workshops_flash"] = (kind, message)


def _select(workshop_id: int) -> None:
    st.session_state[_SELECTED] = workshop_id
    st.query_params["workshop"] = str(workshop_id)


def _ask_in_chat(session_id: int, prompt: str) -> None:
    """Open the session in the Chat page with this question already on its way."""
    st.session_state["chat_job"] = ChatJob(account, session_id, prompt).start()
    state.go_to_chat(session_id)


def _exercise_session(workshop_id: int, exercise_id: str) -> int:
    """The participant's research session for the exercise, created on first use."""
    session_id = workshops.start_exercise(account, workshop_id, exercise_id).session_id
    assert session_id is not None, "start_exercise links a session to the exercise it returns"
    return session_id


if flash := st.session_state.pop("workshops_flash", None):
    (st.error if flash[0] == "error" else st.success)(text.escape(flash[1]))

mine = workshops.list_workshops(account)
col_create: DeltaGenerator | None
join_box: DeltaGenerator
create_box: DeltaGenerator | None
if mine:  # the workshop itself is the page; joining or creating another stays one click away
    col_join, col_create = st.columns(2)
    join_box = col_join.expander("Join another workshop", icon=":material/login:")
    create_box = col_create.expander("Run a new workshop", icon=":material/add:") if runs_workshops else None
else:
    col_join, col_create = st.columns(2) if runs_workshops else (st.container(), None)
    join_box, create_box = col_join.container(), col_create.container() if col_create is not None else None

with join_box, st.form("join_workshop", clear_on_submit=True, border=not mine):
    if not mine:
        st.markdown("**Join a workshop**")
    code = st.text_input("Join code", placeholder="e.g. ACD-EFG", max_chars=12)
    if st.form_submit_button("Join", type="primary", icon=":material/login:"):
        try:
            joined = workshops.join_workshop(account, code)
        except ChemassistError as exc:
            st.error(text.escape(str(exc)))
        else:
            _select(joined.id)
            _flash("success", f"You joined “{joined.title}”. Welcome!")
            st.rerun()

if create_box is not None:
    packs = builtin_packs()
    with create_box, st.form("create_workshop", border=not mine):
        if not mine:
            st.markdown("**Run a workshop**")
        pack = st.selectbox("Pack", packs, format_func=lambda p: f"{p.title} · v{p.version} · {p.duration}")
        left, right = st.columns([3, 1])
        title = left.text_input("Workshop title", placeholder="default: the pack's title")
        hours = right.number_input("Code valid (h)", min_value=1, max_value=workshops.MAX_HOURS, value=8)
        if st.form_submit_button("Create workshop", icon=":material/add:"):
            try:
                created = workshops.create_workshop(account, pack, title=title, hours=float(hours))
            except ChemassistError as exc:
                st.error(text.escape(str(exc)))
            else:
                _select(created.id)
                _flash("success", f"Workshop “{created.title}” created. Show the join code to the participants.")
                st.rerun()

if not mine:
    st.info(
        "Create a workshop from a pack above, then show its join code."
        if runs_workshops
        else "You have not joined a workshop yet: type the join code your instructor shows you."
    )
    st.stop()

chosen = st.session_state.get(_SELECTED)
if chosen is None and str(st.query_params.get("workshop", "")).isdigit():
    chosen = int(st.query_params["workshop"])
ids = [w.id for w in mine]
index = ids.index(chosen) if chosen in ids else 0
current = st.selectbox(
    "Workshop",
    mine,
    index=index,
    format_func=lambda w: (
        f"{w.title} · {'you run it' if w.runs_it else 'participant'}" + ("" if w.is_open else " · closed")
    ),
)
if current.id != chosen:
    _select(current.id)
pack = current.pack
exercise_titles = {e.id: e.title for _, e in pack.exercises}


def _instructor_view() -> None:
    code_col, info_col = st.columns([2, 3], vertical_alignment="center")
    with code_col.container(border=True):
        st.caption("Join code")
        shown = current.display_code if current.code_valid else "—"
        st.markdown(
            f"<div data-testid='join-code' style='font-size:3rem;font-weight:700;letter-spacing:.08em;"
            f"font-family:monospace;line-height:1.2;white-space:nowrap'>{shown}</div>",
            unsafe_allow_html=True,
        )
        if current.closed_at:
            st.caption(f"Closed {current.closed_at:%Y-%m-%d %H:%M} UTC")
        elif not current.code_valid:
            st.caption(f"Expired {current.expires_at:%Y-%m-%d %H:%M} UTC: reopen for a new code")
        else:
            st.caption(f"Valid until {current.expires_at:%Y-%m-%d %H:%M} UTC · join on the Workshops page")
    with info_col:
        st.subheader(text.escape(current.title))
        st.caption(f"{pack.label} · {pack.duration} · run by {current.instructor_username}")
        st.markdown(pack.description)
        buttons = st.columns(3)
        if current.is_open and buttons[0].button("Close workshop", icon=":material/lock:"):
            workshops.close_workshop(account, current.id)
            _flash("success", "Closed: no one can join, checks are no longer recorded; progress is kept.")
            st.rerun()
        if (not current.code_valid) and buttons[0].button("Reopen with a new code", icon=":material/lock_open:"):
            workshops.reopen_workshop(account, current.id)
            st.rerun()
    _dashboard()
    with st.expander("Pack contents (what participants see)"):
        for section in pack.sections:
            st.markdown(f"#### {section.title} · {section.minutes} min")
            st.markdown(text.protect_chemistry(section.instructions))
            for exercise in section.exercises:
                task = text.protect_chemistry(exercise.task.strip())
                st.markdown(f"- **{text.escape(exercise.title)}** (`{exercise.check.kind}`): {task}")


@st.fragment(run_every=3)
def _dashboard() -> None:
    """Live progress: refreshed every few seconds without reloading the page."""
    st.subheader("Progress")
    board = workshops.dashboard(account, current.id)
    if not board:
        st.info("No participants yet. They join with the code above on their Workshops page.")
        return
    total = len(exercise_titles)
    done = sum(p.passed for p in board)
    metrics = st.columns(3)
    metrics[0].metric("Participants", len(board))
    metrics[1].metric("Exercises passed", f"{done} / {total * len(board)}")
    metrics[2].metric("Finished everything", sum(p.passed == total for p in board))
    numbers = {e.id: f"{i}.{j}" for i, sec in enumerate(pack.sections, 1) for j, e in enumerate(sec.exercises, 1)}
    grid = pd.DataFrame(
        [
            {"Participant": f"{p.display_name} ({p.username})"}
            | {numbers[e]: MARKS[x.status] for e, x in p.exercises.items()}
            | {"Passed": f"{p.passed}/{total}"}
            for p in board
        ]
    )
    columns = {
        numbers[e]: st.column_config.TextColumn(numbers[e], help=t, width="small") for e, t in exercise_titles.items()
    }
    st.dataframe(grid, hide_index=True, key="workshop_grid", column_config=columns)
    st.caption(" · ".join(f"**{numbers[e]}** {t}" for e, t in exercise_titles.items()))
    opened = [
        (p, exercise_titles[e], x.session_id) for p in board for e, x in p.exercises.items() if x.session_id is not None
    ]
    if opened:
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        pick = left.selectbox(
            "Look at a participant's exercise session (read-only)",
            opened,
            format_func=lambda o: f"{o[0].username} · {o[1]}",
            key="dashboard_pick",
        )
        if right.button("Open read-only", icon=":material/visibility:"):
            state.go_to_chat(pick[2])


def _exercise(exercise: Exercise, progress: ExerciseProgress) -> None:
    with st.container(border=True, key=f"exercise_{exercise.id}"):
        st.markdown(f"**{text.escape(exercise.title)}** {BADGES[progress.status]}")
        st.markdown(text.protect_chemistry(exercise.task))
        if exercise.hint:
            st.caption(f"Hint: {text.protect_chemistry(exercise.hint)}")
        answer, checked = None, False
        if accepts_answer(exercise.check):
            # A form sends the typed answer and the press of Check together (Enter in the box checks too), so a
            # rerun between typing and pressing can never lose the answer.
            with st.form(f"check_form_{exercise.id}", border=False, enter_to_submit=True):
                answer = st.text_input(
                    exercise.answer_label or "Your answer",
                    value=progress.answer or "",
                    key=f"answer_{current.id}_{exercise.id}",
                )
                checked = st.form_submit_button(
                    "Check", type="primary", key=f"check_{exercise.id}", icon=":material/task_alt:"
                )
        buttons = st.container(horizontal=True)
        if not accepts_answer(exercise.check):
            checked = buttons.button("Check", type="primary", key=f"check_{exercise.id}", icon=":material/task_alt:")
        if checked:
            try:
                with st.spinner("Checking with the chemistry tools…"):
                    outcome = workshops.check_exercise(account, current.id, exercise.id, answer)
            except ChemassistError as exc:
                st.error(text.escape(str(exc)))
            else:
                st.session_state[f"check_result_{exercise.id}"] = outcome.passed
                st.rerun()
        if exercise.prompt and buttons.button(
            "Ask in chat", key=f"ask_{exercise.id}", icon=":material/chat:", help=exercise.prompt
        ):
            _ask_in_chat(_exercise_session(current.id, exercise.id), exercise.prompt)
        if buttons.button("Open exercise session", key=f"open_{exercise.id}", icon=":material/open_in_new:"):
            state.go_to_chat(_exercise_session(current.id, exercise.id))
        if exercise.prompt:
            st.caption(f"Suggested question: “{text.escape(exercise.prompt)}”")
        if progress.explanation:
            just_checked = st.session_state.pop(f"check_result_{exercise.id}", None)
            passed_now = just_checked if just_checked is not None else progress.status == "passed"
            (st.success if passed_now else st.warning)(
                text.protect_chemistry(progress.explanation),
                icon=":material/check_circle:" if passed_now else ":material/info:",
            )


def _participant_view() -> None:
    st.subheader(text.escape(current.title))
    st.caption(
        f"{pack.label} · {pack.duration} · instructor {current.instructor_username}. Each exercise runs in your own "
        "research session; your instructor can read it (read-only), other participants cannot."
    )
    if not current.is_open:
        st.warning("This workshop is closed: you can read everything, but checks are no longer recorded.")
    progress = workshops.my_progress(account, current.id)
    passed = sum(p.status == "passed" for p in progress.values())
    st.progress(passed / max(len(progress), 1), text=f"{passed} of {len(progress)} exercises passed")
    labels = [f"{i}. {s.title}" for i, s in enumerate(pack.sections, 1)]
    tabs = st.tabs(labels, key=f"workshop_tabs_{current.id}", on_change="rerun")  # stays on its tab after Check
    for tab, section in zip(tabs, pack.sections, strict=True):
        with tab:
            st.caption(f"About {section.minutes} minutes")
            st.markdown(text.protect_chemistry(section.instructions))
            for n, prompt in enumerate(section.example_prompts):
                left, right = st.columns([5, 1], vertical_alignment="center")
                left.markdown(f"> {text.escape(prompt)}")
                if right.button("Ask in chat", key=f"example_{section.id}_{n}", icon=":material/chat:"):
                    _ask_in_chat(workshops.practice_session(account, current.id), prompt)
            if section.exercises:
                st.markdown("##### Exercises")
            for exercise in section.exercises:
                _exercise(exercise, progress[exercise.id])


def _group_sharing() -> None:
    st.subheader("Shared with the workshop group")
    shared = workshops.group_sessions(account, current.id)
    if not shared:
        st.caption("Nothing yet. Any session you own can be shared here, read-only, with everyone in this workshop.")
    for item in shared:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.markdown(f"**{text.escape(item.title)}** · by {item.owner_username} · {item.shared_at:%H:%M} UTC")
        if right.button("Open", key=f"group_open_{item.session_id}"):
            state.go_to_chat(item.session_id)
    own = sessions.list_sessions(account, scope="mine")
    shared_ids = {g.session_id for g in shared}
    candidates = [s for s in own if s.id not in shared_ids]
    if candidates:
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        pick = left.selectbox("Share with my workshop group", candidates, format_func=lambda s: s.title)
        if right.button("Share read-only", icon=":material/group:"):
            try:
                workshops.share_with_group(account, pick.id, current.id)
            except ChemassistError as exc:
                _flash("error", str(exc))
            else:
                _flash("success", f"“{pick.title}” is now readable by everyone in “{current.title}”.")
            st.rerun()


if current.runs_it:
    _instructor_view()
else:
    _participant_view()
st.divider()
_group_sharing()
