"""Long work on a page: the browser session's job registry, and a progress bar ('12 of 40 structures, about 8 s
left') with a Cancel button, for jobs of app.services.jobs.

A page starts its job in the registry under a fixed key and then follows it in the same script run. A click on
Cancel (or on anything else) interrupts that run; the rerun finds the job in the registry again, cancels it if
Cancel was the click, and follows it to its end.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.services.jobs import Job, JobRegistry, duration

__all__ = ["cancel_button", "duration", "follow", "outcome_message", "progress_text", "registry"]

_REGISTRY = "jobs"
POLL_S = 0.25  # how often the bar redraws; the job itself never waits for the page


def registry() -> JobRegistry:
    """This browser session's jobs (created on first use)."""
    found = st.session_state.get(_REGISTRY)
    if not isinstance(found, JobRegistry):
        found = JobRegistry()
        st.session_state[_REGISTRY] = found
    return found


def progress_text(job: Job[Any], label: str, noun: str = "") -> str:
    """'Predicting: 120 of 500 structures, about 8 s left · predicting logS' (or 'stopping…')."""
    if job.cancel_requested and not job.finished:
        return f"{label}: stopping…"
    return f"{label}: {job.snapshot().text(noun)}"


def cancel_button(job: Job[Any], key: str) -> None:
    """A Cancel button that asks `job` to stop (a caption once it was asked)."""
    if job.cancel_requested:
        st.caption("Stopping…")
    elif st.button("Cancel", key=key, icon=":material/cancel:", width="stretch"):
        job.cancel()
        st.caption("Stopping…")


def follow(job: Job[Any], label: str, *, key: str, noun: str = "") -> None:
    """Show `job`'s progress bar and a Cancel button until it has finished (this script run waits for it)."""
    slot = st.empty()
    with slot.container(border=True, key=f"{key}_progress"):
        col_bar, col_cancel = st.columns([6, 1], vertical_alignment="center")
        with col_bar:
            bar = st.progress(job.fraction, text=progress_text(job, label, noun))
        with col_cancel:
            cancel_button(job, key=f"{key}_cancel")
    while not job.wait(POLL_S):
        bar.progress(job.fraction, text=progress_text(job, label, noun))
    slot.empty()


def outcome_message(job: Job[Any], what: str, noun: str = "") -> str | None:
    """What a finished job that did not succeed says: the error, or where it was cancelled."""
    if job.state == "failed":
        return job.error or f"{what} failed."
    if job.state == "cancelled":
        p = job.snapshot()
        where = f" after {p.done:,} of {p.total:,}" + (f" {noun}" if noun else "") if p.total else ""
        return f"{what} was cancelled{where} ({p.elapsed_s:.1f} s)."
    return None
