"""Export and import widgets for the Sessions page: per-session downloads and the JSON import form."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.errors import ChemassistError
from app.services import export
from app.services.accounts import Account
from app.services.sessions import SessionInfo
from app.ui import state

FLASH_KEY = "sessions_flash"  # the Sessions page shows this message after its rerun
FORMATS = (
    ("Markdown", "md", "text/markdown", ":material/description:", export.to_markdown),
    ("PDF", "pdf", "application/pdf", ":material/picture_as_pdf:", export.to_pdf),
    ("JSON", "json", "application/json", ":material/data_object:", export.to_json),
)


def _deferred(render: Callable[[Account, int], bytes | str], account: Account, session_id: int) -> Callable[[], bytes]:
    """Build the file only when the button is clicked (a PDF of a long session takes a moment)."""

    def build() -> bytes:
        try:
            data = render(account, session_id)
        except ChemassistError as exc:  # e.g. the session was deleted meanwhile: the file says why
            return f"Export failed: {exc}\n".encode()
        return data.encode("utf-8") if isinstance(data, str) else data

    return build


def downloads(account: Account, item: SessionInfo) -> None:
    """An 'Export' popover with one download button per format (anyone who can read the session)."""
    with st.popover("Export"):  # no icon: the label must fit the Sessions page's narrow column
        st.caption("JSON is the complete backup that can be imported again; Markdown and PDF are for reading.")
        for label, ext, mime, icon, render in FORMATS:
            st.download_button(
                label,
                data=_deferred(render, account, item.id),
                file_name=export.filename(item, ext),
                mime=mime,
                icon=icon,
                on_click="ignore",
                key=f"export_{ext}_{item.id}",
            )


def import_form(account: Account) -> None:
    """'Import a session (JSON)': the file becomes a NEW session owned by this user; nothing is overwritten."""
    with st.expander("Import a session (JSON)", icon=":material/upload_file:"):
        with st.form("import_session", clear_on_submit=True, border=False):
            upload = st.file_uploader(
                f"A session exported from chemassist as JSON (at most {export.MAX_IMPORT_BYTES // 2**20} MB)",
                type=["json"],
                key="import_file",
            )
            submitted = st.form_submit_button("Import", icon=":material/upload:")
        if not submitted:
            return
        if upload is None:
            st.session_state[FLASH_KEY] = ("error", "Choose a JSON file to import first.")
        else:
            try:
                result = export.import_session(account, upload.getvalue())
            except ChemassistError as exc:
                st.session_state[FLASH_KEY] = ("error", f"{upload.name}: {exc}")
            else:
                state.open_session(result.session.id)
                st.session_state[FLASH_KEY] = ("success", result.summary)
        st.rerun()
