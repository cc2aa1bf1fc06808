"""Sessions page: create, open, rename, search, archive, share and delete research sessions."""

from typing import Literal

import streamlit as st

from app.errors import ChemassistError
from app.services import sessions
from app.ui import auth, state, text
from app.ui import export as export_ui  # export / import (issue 10)

account = auth.require_account()
st.title("Research sessions")


def _attempt(action, success: str) -> None:
    try:
        action()
    except ChemassistError as exc:
        st.session_state["sessions_flash"] = ("error", str(exc))
    else:
        st.session_state["sessions_flash"] = ("success", success)
    st.rerun()


if flash := st.session_state.pop("sessions_flash", None):
    (st.error if flash[0] == "error" else st.success)(text.escape(flash[1]))

# --- export / import of research sessions (issue 10): the import form here, download buttons per session below ---
export_ui.import_form(account)
# --- end export / import ---

with st.form("new_session", clear_on_submit=True, border=False):
    col_title, col_button = st.columns([4, 1], vertical_alignment="bottom")
    new_title = col_title.text_input("New session title", placeholder="e.g. High-Tg polyimides for flexible displays")
    if col_button.form_submit_button("Create session", type="primary", icon=":material/add:"):
        try:
            created = sessions.create_session(account, new_title)
        except ChemassistError as exc:
            st.error(text.escape(str(exc)))
        else:
            state.open_session(created.id)
            st.session_state["sessions_flash"] = ("success", f"Created and opened “{created.title}”.")
            st.rerun()

current = state.current_session(account)
if current:
    with st.container(border=True):
        st.markdown(f"**Open:** {text.escape(current.title)}")
        messages = sessions.list_messages(account, current.id)
        artifacts = sessions.list_artifacts(account, current.id)
        st.caption(
            f"{len(messages)} message(s), {len(artifacts)} artifact(s) · owner {current.owner_username}"
            + ("" if current.can_edit else " · read-only (shared with you)")
        )
        for message in messages[-5:]:
            with st.chat_message(message.role if message.role in ("user", "assistant") else "assistant"):
                shown = text.protect_chemistry if message.role == "assistant" else text.escape
                st.markdown(shown(message.content))

col_search, col_scope, col_archived = st.columns([3, 2, 1], vertical_alignment="bottom")
query = col_search.text_input("Search titles and messages", key="session_search")
scope_label = col_scope.segmented_control("Show", ["All", "Mine", "Shared with me"], default="All", key="session_scope")
include_archived = col_archived.toggle("Archived too", key="session_archived")
SCOPES: dict[str, Literal["all", "mine", "shared"]] = {"All": "all", "Mine": "mine", "Shared with me": "shared"}
scope = SCOPES.get(scope_label or "All", "all")

found = sessions.list_sessions(account, query=query, include_archived=include_archived, scope=scope)
if not found:
    st.info("No sessions match." if query else "No research sessions yet: create one above.")

for item in found:
    with st.container(border=True, key=f"session_{item.id}"):
        col_main, col_open, col_manage = st.columns([5, 1, 1.4], vertical_alignment="center")
        badges = []
        if item.archived:
            badges.append(":gray-badge[archived]")
        if item.access != "owner":
            badges.append(f":blue-badge[shared by {item.owner_username}]")
        elif item.shared_with:
            badges.append(f":green-badge[shared with {', '.join(item.shared_with)}]")
        if current and current.id == item.id:
            badges.append(":orange-badge[open]")
        col_main.markdown(f"**{text.escape(item.title)}** " + " ".join(badges))
        col_main.caption(f"Updated {item.updated_at:%Y-%m-%d %H:%M} UTC · {item.message_count} message(s)")
        if col_open.button("Open", key=f"open_{item.id}"):
            state.go_to_chat(item.id)
        with col_open:
            export_ui.downloads(account, item)  # export (issue 10): Markdown / PDF / JSON downloads
        if not item.can_edit:
            continue
        with col_manage.popover("Manage", icon=":material/more_horiz:"):
            with st.form(f"rename_{item.id}", border=False):
                title = st.text_input("Title", value=item.title, key=f"title_{item.id}")
                if st.form_submit_button("Rename"):
                    _attempt(lambda i=item.id, t=title: sessions.rename_session(account, i, t), "Renamed.")
            with st.form(f"share_{item.id}", border=False):
                who = st.text_input("Share read-only with (username)", key=f"share_with_{item.id}")
                if st.form_submit_button("Share"):
                    _attempt(lambda i=item.id, w=who: sessions.share_session(account, i, w), f"Shared with {who}.")
            for name in item.shared_with:
                if st.button(f"Stop sharing with {name}", key=f"unshare_{item.id}_{name}"):
                    _attempt(lambda i=item.id, n=name: sessions.unshare_session(account, i, n), "Sharing stopped.")
            label = "Unarchive" if item.archived else "Archive"
            if st.button(label, key=f"archive_{item.id}"):
                _attempt(lambda i=item.id, a=not item.archived: sessions.set_archived(account, i, a), f"{label}d.")
            st.divider()
            with st.form(f"delete_{item.id}", border=False):
                confirm = st.text_input("Type the title to delete it with its messages", key=f"confirm_{item.id}")
                if st.form_submit_button("Delete for ever", type="primary"):
                    if current and current.id == item.id:
                        state.open_session(None)
                    _attempt(
                        lambda i=item.id, c=confirm: sessions.delete_session(account, i, confirm_title=c),
                        "Deleted.",
                    )
