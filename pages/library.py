"""Library page: the lab's papers. Browse and filter documents and read their passages, upload files (ingested in
the background), search (hybrid, dense or keyword), and ask a question answered with cited passages."""

from typing import cast

import streamlit as st

from app.errors import ChemassistError
from app.services import access, library, sessions
from app.ui import auth, state, text
from app.ui import library as ui

account = auth.require_account()
current = state.current_session(account)

st.title("Library")
st.caption(
    "The lab's papers, split into passages and indexed for meaning (all-MiniLM-L6-v2) and for words (BM25) in "
    "Milvus. Lab documents are visible to everyone; private ones only to the person who added them."
)

docs = None
with ui.reported("Reading the library"):
    docs = library.list_documents_for(account)
if docs is None:
    st.stop()  # the error says why; nothing below can work without the store
by_id = {d.document_id: d for d in docs}

c1, c2, c3 = st.columns(3)
c1.metric("Documents", f"{len(docs):,}")
c2.metric("Passages", f"{sum(d.n_chunks for d in docs):,}")
c3.metric("Private to you", f"{sum(d.visibility == 'private' for d in docs):,}")

# An upload's progress and report show in the Upload tab, where the chemist pressed the button (above the tabs
# they were missed); the demo library's, started from this page's top, stay here.
_job = st.session_state.get(ui._JOB) or st.session_state.get(ui._LAST)
upload_job = _job is not None and _job[0] == "upload"
if not upload_job:
    if ui.job_running():
        ui.job_progress()
    ui.last_job_report()

if not docs and not ui.job_running():
    st.info(
        "The library is empty. Upload papers in the **Upload** tab, or load the demo library: 265 openly licensed "
        "chemistry and materials paper records (8 with full text) and one PDF. It takes a minute or two.",
        icon=":material/menu_book:",
    )
    if st.button("Load the demo library", type="primary", icon=":material/download:"):
        with ui.reported("Loading the demo library"):
            ui.start_job(library.start_demo(account), "demo")
            st.rerun()


def _open(document_id: str, chunk_id: str | None = None) -> None:
    st.session_state["lib_open_doc"] = document_id
    st.session_state["lib_focus_chunk"] = chunk_id
    st.session_state["lib_tab"] = "Documents"


def _on_table_select() -> None:
    rows = st.session_state["lib_table"].selection.rows
    shown = st.session_state.get("lib_table_ids", [])
    if rows and rows[0] < len(shown):
        _open(shown[rows[0]])


tab_docs, tab_search, tab_ask, tab_upload = st.tabs(
    ["Documents", "Search", "Ask", "Upload"], key="lib_tab", on_change="rerun"
)

# --- documents -----------------------------------------------------------------------------------------------

if tab_docs.open:
    with tab_docs:
        f1, f2, f3 = st.columns([2, 1, 1])
        title_filter = f1.text_input("Filter by title", placeholder="words in the title", key="lib_title_filter")
        source_filter = f2.multiselect("Source", sorted({d.source for d in docs if d.source}), key="lib_src_filter")
        tag_filter = f3.multiselect("Tags", sorted({t for d in docs for t in d.tags}), key="lib_tag_filter")
        needle = title_filter.strip().lower()
        shown = [
            d
            for d in docs
            if (not needle or needle in d.title.lower())
            and (not source_filter or d.source in source_filter)
            and (not tag_filter or set(tag_filter) & set(d.tags))
        ]
        st.session_state["lib_table_ids"] = [d.document_id for d in shown]
        st.caption(f"{len(shown)} of {len(docs)} documents · click a row to read its passages")
        st.dataframe(
            ui.documents_frame(shown),
            hide_index=True,
            on_select=_on_table_select,
            selection_mode="single-row",
            key="lib_table",
            height=min(420, 38 + 35 * max(len(shown), 1)),
            column_config={
                "title": st.column_config.TextColumn("Title", width=340),  # fills a 1280 px window
                "source": st.column_config.TextColumn("Source", width=140),
                "year": st.column_config.NumberColumn("Year", format="%d", width=50),
                "tags": st.column_config.TextColumn("Tags", width=110),
                "visibility": st.column_config.TextColumn("Visibility", width=65),
                "owner": st.column_config.TextColumn("Owner", width=60),
                "passages": st.column_config.NumberColumn("Passages", width=65),
            },
        )

        open_id = st.session_state.get("lib_open_doc")
        doc = by_id.get(open_id) if open_id else None
        if doc is not None:
            st.subheader(ui.md_escape(doc.title))
            left, right = st.columns([2, 3])
            with left:
                ui.document_details(doc)
                if access.can_delete_document(account, doc.visibility, doc.owner):

                    @st.dialog("Delete this document?")
                    def _confirm_delete(document_id: str, title: str) -> None:
                        st.markdown(f"**{ui.md_escape(title)}** and all its passages leave the library for everyone.")
                        yes, no = st.columns(2)
                        if yes.button("Delete", type="primary", icon=":material/delete:"):
                            try:
                                library.delete_document_as(account, document_id)
                            except ChemassistError as exc:
                                st.error(text.escape(str(exc)))
                                return
                            st.session_state.pop("lib_open_doc", None)
                            st.session_state["lib_flash"] = f"Deleted “{title}”."
                            st.rerun()
                        if no.button("Cancel"):
                            st.rerun()

                    if st.button("Delete document", icon=":material/delete:", key="lib_delete"):
                        _confirm_delete(doc.document_id, doc.title)
                else:
                    st.caption("Only an administrator, or the person who added a document, may delete it.")
            with right:
                focus = st.session_state.get("lib_focus_chunk")
                with ui.reported("Reading the passages"):
                    chunks = library.passages_for(account, doc.document_id)
                    st.markdown(f"**Passages** ({len(chunks)})")
                    with st.container(height=520 if len(chunks) > 3 else "content", border=True):
                        for ch in chunks:
                            mark = " · :orange-badge[the passage you opened]" if ch.chunk_id == focus else ""
                            st.caption(f"{ch.location} · characters {ch.char_start}–{ch.char_end}{mark}")
                            st.markdown(ui.highlight(ch.content, set()))
                            st.divider()
        elif open_id:
            st.session_state.pop("lib_open_doc", None)
        if flash := st.session_state.pop("lib_flash", None):
            st.success(ui.md_escape(flash))

# --- search --------------------------------------------------------------------------------------------------

SCORE_LABEL = {"hybrid": "fused rank score", "dense": "cosine", "keyword": "BM25"}

if tab_search.open:
    with tab_search:
        years = sorted({d.year for d in docs if d.year})
        with st.form("lib_search_form", border=False):
            q_col, go_col = st.columns([5, 1], vertical_alignment="bottom")
            query = q_col.text_input("Search the library", placeholder="e.g. furfural yield from bagasse")
            go = go_col.form_submit_button("Search", type="primary", icon=":material/search:", width="stretch")
            o1, o2, o3 = st.columns([2, 3, 1], vertical_alignment="bottom")
            mode = o1.segmented_control("Mode", ["hybrid", "dense", "keyword"], default="hybrid", required=True)
            year_range = (
                o2.slider("Years", min_value=years[0], max_value=years[-1], value=(years[0], years[-1]))
                if len(years) > 1
                else None
            )
            k = o3.number_input("Passages (k)", min_value=1, max_value=50, value=8)
            s1, s2 = st.columns(2)
            sources = s1.multiselect("Sources", sorted({d.source for d in docs if d.source}))
            tags = s2.multiselect("Tags", sorted({t for d in docs for t in d.tags}))
        if go:
            st.session_state.pop("lib_hits", None)
            with ui.reported("Search"):
                filters = library.viewer_filters(
                    account,
                    year_from=year_range[0] if year_range and year_range[0] > years[0] else None,
                    year_to=year_range[1] if year_range and year_range[1] < years[-1] else None,
                    sources=sources or None,
                    tags=tags or None,
                )
                hits = library.search_for(
                    account, query, k=int(k), filters=filters, mode=cast(library.Mode, mode or "hybrid")
                )
                st.session_state["lib_hits"] = (query, mode or "hybrid", hits)
        if found := st.session_state.get("lib_hits"):
            q, used_mode, hits = found
            words = ui.query_words(q)
            if not hits:
                st.info("No passages match. Try other words, another mode, or fewer filters.")
            else:
                st.caption(f"{len(hits)} passages for “{ui.md_escape(q)}” ({used_mode})")
            for rank, h in enumerate(hits, 1):
                ui.hit(h, rank, words, SCORE_LABEL[used_mode])
                st.button(
                    "Open in its document",
                    key=f"lib_open_{rank}",
                    icon=":material/open_in_new:",
                    on_click=_open,
                    args=(h.document_id, h.chunk_id),
                )

# --- ask -----------------------------------------------------------------------------------------------------

if tab_ask.open:
    with tab_ask:
        with st.form("lib_ask_form", border=False):
            question = st.text_input("Ask the library", placeholder="e.g. What furfural yield was obtained?")
            a1, a2 = st.columns([5, 1], vertical_alignment="bottom")
            a1.caption(
                "With a language model connected, it writes the answer from the library's best passages; "
                "offline, the answer quotes them. Either way every sentence is checked against its numbered "
                "citation."
            )
            asked = a2.form_submit_button("Ask", type="primary", icon=":material/question_answer:", width="stretch")
        if asked:
            st.session_state.pop("lib_answer", None)
            with ui.reported("Answering"):
                st.session_state["lib_answer"] = library.ask_for(account, question)
        if (result := st.session_state.get("lib_answer")) is not None:
            words = ui.query_words(result.question)
            if result.insufficient_evidence:
                st.warning(result.answer, icon=":material/search_off:")
            else:
                with st.container(border=True):
                    st.markdown(ui.md_escape(result.answer))
                    st.caption(
                        "Written by the connected language model from the cited passages."
                        if result.mode == "model"
                        else "Quoted from the cited passages (offline mode: no language model connected)."
                    )
                st.markdown(f"**Citations** ({len(result.citations)})")
                for c in result.citations:
                    ui.citation(c, words)
                if result.removed_sentences:
                    st.caption(f"{len(result.removed_sentences)} sentence(s) removed: no cited passage supported them.")
                if current is None:
                    st.caption("Open a research session (Sessions page) to keep these citations with your work.")
                elif not current.can_edit:
                    st.caption(
                        f"“{text.escape(current.title)}” is shared with you read-only: citations cannot be added to it."
                    )
                elif st.session_state.get("lib_saved") == (current.id, result.question):
                    st.success(f"{len(result.citations)} citation(s) added to “{text.escape(current.title)}”.")
                elif st.button(f"Add to session “{text.escape(current.title)}”", icon=":material/bookmark_add:"):
                    with ui.reported("Adding the citations"):
                        for c in result.citations:
                            sessions.add_artifact(
                                account, current.id, "citation", c.model_dump(mode="json"), title=f"[{c.n}] {c.title}"
                            )
                        st.session_state["lib_saved"] = (current.id, result.question)  # once per answer
                        st.rerun()

# --- upload --------------------------------------------------------------------------------------------------

MAX_MB = library.DEFAULT_MAX_BYTES // (1024 * 1024)

if tab_upload.open:
    with tab_upload:
        if upload_job:
            if ui.job_running():
                ui.job_progress()
            ui.last_job_report()
        n = st.session_state.setdefault("lib_upload_n", 0)
        files = st.file_uploader(
            f"Papers: PDF, text, Markdown, BibTeX, RIS or JSON lines records (up to {MAX_MB} MB each)",
            type=["pdf", "txt", "md", "markdown", "bib", "ris", "jsonl", "json"],
            accept_multiple_files=True,
            max_upload_size=MAX_MB,
            key=f"lib_upload_{n}",
        )
        u1, u2 = st.columns([3, 1], vertical_alignment="bottom")
        tag_text = u1.text_input("Tags (comma-separated)", placeholder="e.g. perovskites, project-x")
        private = u2.checkbox("Private to me", help="Only you will see these documents, in search and answers too.")
        st.caption(
            "Scanned (image-only) PDFs need OCR first, and password-protected PDFs need an unprotected copy. "
            "A paper already in the library (same DOI or same text) is skipped. A changed version of a lab paper "
            "replaces it only if you added it (or are an administrator); a private upload is always your own copy."
        )
        if st.button("Add to the library", type="primary", icon=":material/upload:", disabled=ui.job_running()):
            if not files:
                st.error("Choose one or more files first.")
            else:
                with ui.reported("Starting the upload"):
                    job = library.start_upload(
                        account,
                        [(f.name, f.getvalue()) for f in files],
                        private=private,
                        tags=tag_text.split(","),
                    )
                    ui.start_job(job, "upload")
                    st.session_state["lib_upload_n"] = n + 1  # a fresh, empty uploader
                    st.rerun()
