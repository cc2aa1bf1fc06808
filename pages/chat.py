"""Chat page: ask, watch the tools work, read answers with structures, intervals, routes and citations."""

import streamlit as st

from app.errors import ChemassistError
from app.services import chat, feedback, sessions
from app.settings import get_settings
from app.ui import artifacts, auth, editor, state, text
from app.ui.chat_job import ChatJob

account = auth.require_account()
state.arrived_in_chat()
current = state.current_session(account)

st.title("Chat")
if current is None:
    st.info("Open a research session first, or start a new one.")
    if st.button("Start a new research session", type="primary"):
        state.open_session(sessions.create_session(account, chat.DEFAULT_TITLE).id)
        st.rerun()
    st.stop()

settings = get_settings()
head, picker = st.columns([3, 2], vertical_alignment="bottom")
head.markdown(f"**{text.escape(current.title)}**" + ("" if current.can_edit else " · read-only (shared with you)"))
role_choice = picker.segmented_control(
    "Model role", ["auto", "chemistry", "materials", "general"], default="auto", key="chat_role"
)
if not settings.llm_base_url:
    st.info(
        "**Offline mode: no language model is connected.** Answers are written from the chemistry tools' "
        "results by fixed templates, and literature answers quote passages. An administrator can connect a "
        "model with CHEMASSIST_LLM_BASE_URL.",
        icon=":material/cloud_off:",
    )

job: ChatJob | None = st.session_state.get("chat_job")
if job is not None and job.session_id != current.id:
    job = None

messages = sessions.list_messages(account, current.id)
by_message: dict[int, list[sessions.ArtifactInfo]] = {}
for artifact in sessions.list_artifacts(account, current.id):
    by_message.setdefault(artifact.message_id or 0, []).append(artifact)
given = feedback.feedback_for(account, [m.id for m in messages if m.role == "assistant"])
last_user = next((m.content for m in reversed(messages) if m.role == "user"), None)

for message in messages:
    if message.role not in ("user", "assistant"):
        continue
    with st.chat_message(message.role):
        if message.role == "assistant":
            for call in message.tool_calls or []:
                artifacts.tool_card(call)
        st.markdown(
            text.protect_chemistry(message.content) if message.role == "assistant" else text.escape(message.content)
        )
        if message.role != "assistant":
            continue
        for artifact in by_message.get(message.id, []):
            with st.expander(
                f"{artifact.kind.value}: {text.escape(artifact.title)}", expanded=artifact.kind.value != "citation"
            ):
                artifacts.render(artifact, message.content)
        st.caption(f"answered by {text.escape(message.model or 'unknown')} · {message.created_at:%Y-%m-%d %H:%M} UTC")
        mine = given.get(message.id)
        # The saved thumb is the widget's default, so a reload shows it (st.feedback: 0 is down, 1 is up).
        saved = None if mine is None else int(mine.rating > 0)
        rating = st.feedback("thumbs", key=f"fb_{message.id}", default=saved)
        if rating is not None and rating != saved:
            kept = ("", None) if mine is None else (mine.comment, mine.correction)  # a new thumb keeps the words
            mine = feedback.give_feedback(account, message.id, 1 if rating == 1 else -1, *kept)
            st.toast("Thanks: your feedback is saved.")
        if mine is not None:  # also right after the first thumb, not only after a reload
            if mine.comment or mine.correction:
                said = [f"comment: {mine.comment}"] if mine.comment else []
                said += ["a correction"] if mine.correction else []
                st.caption(text.escape(f"Your feedback is saved ({'; '.join(said)})."))
            with st.popover("Comment or correct this answer"), st.form(f"comment_{message.id}", border=False):
                comment = st.text_area("Comment", value=mine.comment)
                correction = st.text_area("What the right answer would be (optional)", value=mine.correction or "")
                if st.form_submit_button("Save"):
                    feedback.give_feedback(account, message.id, mine.rating, comment, correction or None)
                    st.session_state["chat_flash"] = "Your comment is saved."
                    st.rerun()


@st.fragment(run_every=0.5)
def live_turn() -> None:
    """The turn in progress, refreshed on its own (the rest of the page stays still)."""
    job: ChatJob | None = st.session_state.get("chat_job")
    if job is None:
        return
    with st.chat_message("user"):
        st.markdown(text.escape(job.text))
    with st.chat_message("assistant"):
        for call in list(job.tools.values()):
            artifacts.tool_card(call)
        st.markdown(text.protect_chemistry("".join(job.tokens)) or "_Working…_")
        if not job.done:
            st.caption(text.escape(job.status()))  # issue 18: which tool runs now, and for how long
        if not job.done and not job.stopping and st.button("Stop", icon=":material/stop_circle:"):
            job.stop()
    if job.done:
        del st.session_state["chat_job"]
        if job.error:
            st.session_state["chat_error"] = job.error
        st.rerun()


if job is not None:
    live_turn()

if saved_note := st.session_state.pop("chat_flash", None):
    st.toast(saved_note)
if error := st.session_state.pop("chat_error", None):
    st.error(text.escape(error))

if current.can_edit:
    role = None if role_choice in (None, "auto") else role_choice
    if last_user and messages and messages[-1].role == "assistant" and st.button("Regenerate the last answer"):
        st.session_state["chat_job"] = ChatJob(account, current.id, last_user, role).start()
        st.rerun()
    if job is None:
        editor.structure_input(
            "chat_draw",
            action="Ask about this structure",
            on_use=lambda smiles: st.session_state.update(chat_drawn=f"Tell me about {smiles}"),
        )
    question = st.chat_input("Ask about a molecule, a property, a synthesis route or the literature")
    question = question or st.session_state.pop("chat_drawn", None)
    if question:
        try:
            st.session_state["chat_job"] = ChatJob(account, current.id, question, role).start()
        except ChemassistError as exc:
            st.error(text.escape(str(exc)))
        st.rerun()
else:
    st.caption("This session is shared with you read-only.")
