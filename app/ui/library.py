"""Widgets of the Library page: passages with the query's words highlighted, the documents table, citations,
and the progress of a background ingest."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from app.services import library
from app.ui import jobs
from app.ui.errors import reported  # noqa: F401 (re-exported for the pages)
from tools.literature import Citation, DocumentMeta, SearchHit

log = logging.getLogger(__name__)
_JOB = "library_job"
_LAST = "library_last_job"
_WORD = re.compile(r"[A-Za-z0-9]+")
_STOP = {
    "the", "and", "for", "with", "was", "were", "are", "what", "which", "how", "does", "did", "that", "this",
    "from", "into", "its", "their", "has", "have", "had", "been", "not", "but", "you", "can", "all", "any",
}  # fmt: skip


def md_escape(text: str) -> str:
    """Document text is data: show it literally (no links, images, LaTeX or Streamlit directives)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])", r"\\\1", text)


def query_words(query: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(query) if len(w) >= 3 and w.lower() not in _STOP}


def _fold(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def highlight(text: str, words: Iterable[str]) -> str:
    """Markdown for a passage: escaped, single line breaks joined, the query's words in bold orange."""
    wanted = {_fold(w) for w in words}
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text.strip())
    out, last = [], 0
    for m in _WORD.finditer(text):
        out.append(md_escape(text[last : m.start()]))
        word = m.group(0)
        out.append(f":orange[**{word}**]" if _fold(word) in wanted else word)
        last = m.end()
    out.append(md_escape(text[last:]))
    return "".join(out)


def documents_frame(docs: list[DocumentMeta]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "title": d.title,
                "source": d.source,
                "year": d.year,
                "tags": ", ".join(d.tags),
                "visibility": "private" if d.visibility == "private" else "lab",
                "owner": d.owner or "",
                "passages": d.n_chunks,
            }
            for d in docs
        ],
        columns=["title", "source", "year", "tags", "visibility", "owner", "passages"],
    )


def document_details(doc: DocumentMeta) -> None:
    """The metadata of one document, as a short list of facts."""
    facts = [
        ("Authors", ", ".join(doc.authors[:12]) + (" et al." if len(doc.authors) > 12 else "")),
        ("Year", str(doc.year or "")),
        ("Source", doc.source),
        ("DOI", doc.doi or ""),
        ("License", doc.license or ""),
        ("Tags", ", ".join(doc.tags)),
        ("File", doc.filename or ""),
        ("Pages", str(doc.n_pages or "")),
        ("Passages", str(doc.n_chunks)),
        ("Visibility", f"private to {doc.owner}" if doc.visibility == "private" else "whole lab"),
        ("Added by", doc.owner or ""),
        ("Document id", f"`{doc.document_id}`"),
    ]
    lines = [f"**{k}:** {v if k == 'Document id' else md_escape(v)}" for k, v in facts if v]
    if doc.url:
        lines.append(f"**Link:** [{md_escape(doc.url)}]({doc.url})" if doc.url.startswith("https://") else "")
    st.markdown("  \n".join(line for line in lines if line))
    if doc.abstract:
        with st.expander("Abstract"):
            st.markdown(md_escape(doc.abstract))


def hit(h: SearchHit, rank: int, words: set[str], score_label: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{rank}. {md_escape(h.title)}**")
        st.caption(
            f"{h.location} · {score_label} {h.score:.4f} · {h.source or 'unknown source'}"
            + (f" · {h.year}" if h.year else "")
            + f" · `{h.document_id}`"
        )
        st.markdown(highlight(h.content, words))


def citation(c: Citation, words: set[str]) -> None:
    with st.expander(f"\\[{c.n}\\] {md_escape(c.title)} · {md_escape(c.location)}", expanded=c.n == 1):
        st.markdown(highlight(c.passage, words))
        st.caption(
            f"`{c.document_id}` · {md_escape(c.location)} · characters {c.char_start}–{c.char_end} · "
            f"support {c.support:.2f}"
        )


def start_job(job: library.IngestJob, kind: str) -> None:
    st.session_state[_JOB] = (kind, job)
    st.session_state.pop(_LAST, None)


def job_running() -> bool:
    return _JOB in st.session_state


@st.fragment(run_every=1)
def job_progress() -> None:
    """The running ingest, refreshed every second on its own; the whole page reruns once it is done."""
    kind, job = st.session_state.get(_JOB, (None, None))
    if job is None:
        return
    if not job.finished:
        label = "Loading the demo library" if kind == "demo" else "Adding files to the library"
        eta = job.snapshot().eta_s
        left = f" · about {jobs.duration(eta)} left" if eta is not None and not job.cancel_requested else ""
        text = f"{label}: stopping after the current document…" if job.cancel_requested else f"{label}: {job.message}"
        st.progress(min(job.fraction, 1.0), text=md_escape(text + left))
        jobs.cancel_button(job, key="library_cancel")
        return
    st.session_state[_LAST] = st.session_state.pop(_JOB)
    st.rerun()


def last_job_report() -> None:
    """What the last ingest of this browser session did: per file for uploads."""
    kind, job = st.session_state.get(_LAST, (None, None))
    if job is None:
        return
    with st.container(border=True):
        text, close = st.columns([6, 1], vertical_alignment="top")
        with text:
            if job.error:
                st.error(job.error, icon=":material/error:")
            elif job.state == "cancelled":
                what = "Loading the demo library" if kind == "demo" else "The upload"
                kept = f"; {len(job.files)} file(s) were done before and stay in the library" if job.files else ""
                st.warning(f"{what} was cancelled{kept}.", icon=":material/cancel:")
            elif kind == "demo":
                report = job.report
                if report is not None and report.added:
                    st.markdown(
                        f":green[:material/check_circle:] Demo library loaded: {len(report.added)} documents, "
                        f"{report.chunks} passages."
                    )
                else:
                    st.markdown("The library already had documents; the demo library was not loaded.")
            else:
                counts = {label: sum(f.status == status for f in job.files) for status, (_, label) in _STATUS.items()}
                st.markdown(
                    f"**Upload finished** · {len(job.files)} file(s): "
                    + ", ".join(f"{n} {label}" for label, n in counts.items() if n)
                )
            for f in job.files:
                icon, status = _STATUS[f.status]
                st.markdown(f"{icon} **{md_escape(f.name)}**: {status} · {md_escape(f.message)}")
        if close.button("Dismiss", key="library_dismiss_report", width="stretch"):
            st.session_state.pop(_LAST, None)
            st.rerun()


_STATUS = {
    "added": (":green[:material/check_circle:]", "added"),
    "updated": (":blue[:material/sync:]", "updated"),
    "duplicate": (":gray[:material/skip_next:]", "skipped as duplicate"),
    "failed": (":red[:material/error:]", "failed"),
}
