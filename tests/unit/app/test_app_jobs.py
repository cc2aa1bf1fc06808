"""The job runner (app.services.jobs) with real threads: progress and its ETA, cancel that really stops the work,
errors kept as messages, and jobs that do not mix. Every wait is on an event, none on a sleep."""

from __future__ import annotations

import logging
import threading

import pytest

from app.errors import ValidationFailed
from app.services.jobs import Job, JobProgress, JobRegistry

WAIT_S = 10  # an upper bound for a thread to reach a point; a passing test never waits for it


class Gate:
    """The work stops at `reached` until the test opens `go`."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go = threading.Event()

    def stop_here(self) -> None:
        self.reached.set()
        assert self.go.wait(WAIT_S), "the test never opened the gate"

    def wait_reached(self) -> None:
        assert self.reached.wait(WAIT_S), "the work never reached the gate"


def test_progress_is_seen_while_the_job_runs_with_an_eta_from_the_rate_so_far():
    now = [100.0]
    gate = Gate()

    def work(job: Job[str]) -> str:
        job.progress(1, 4, "read the first file")
        gate.stop_here()
        job.progress(4, 4, "all read")
        return "four files"

    job = Job(work, name="reading", clock=lambda: now[0])
    assert job.state == "queued"
    job.start()
    gate.wait_reached()
    now[0] = 102.0  # one of four done in 2 s: three more take about 6 s
    seen = job.snapshot()
    assert (job.state, seen.done, seen.total, seen.eta_s) == ("running", 1, 4, 6.0)
    assert seen.text("files") == "1 of 4 files, about 6 s left · read the first file"
    gate.go.set()
    assert job.wait(WAIT_S)
    assert (job.state, job.result, job.fraction, job.snapshot().eta_s) == ("done", "four files", 1.0, None)


def test_cancel_mid_way_stops_the_work_at_its_next_progress_report():
    gate = Gate()
    processed: list[int] = []

    def work(job: Job[int]) -> int:
        for i in range(1000):
            job.progress(i, 1000)
            processed.append(i)
            if i == 10:
                gate.stop_here()
        return len(processed)

    job = Job(work, name="long loop").start()
    gate.wait_reached()
    job.cancel()
    gate.go.set()
    assert job.wait(WAIT_S)
    assert job.state == "cancelled" and job.result is None and job.error is None
    assert processed == list(range(11))  # item 11's report raised: nothing after it ran
    assert job.snapshot().done == 11


def test_work_that_stops_on_the_flag_by_itself_is_cancelled_and_keeps_its_partial_result():
    gate = Gate()

    def work(job: Job[list[str]]) -> list[str]:
        found = ["route 1"]
        gate.stop_here()
        if not job.cancel_requested:
            found.append("route 2")
        return found

    job = Job(work, name="search").start()
    gate.wait_reached()
    job.cancel()
    gate.go.set()
    assert job.wait(WAIT_S)
    assert (job.state, job.result) == ("cancelled", ["route 1"])


def test_a_chemassist_error_becomes_a_failed_job_with_its_message():
    def work(job: Job[None]) -> None:
        job.progress(1, 3)
        raise ValidationFailed("Invalid SMILES 'C1CC(': unclosed ring.")

    job = Job(work, name="prediction").start()
    assert job.wait(WAIT_S)
    assert (job.state, job.error) == ("failed", "Invalid SMILES 'C1CC(': unclosed ring.")
    assert isinstance(job.exception, ValidationFailed) and job.result is None


def test_an_unexpected_error_is_a_plain_message_for_the_user_and_a_traceback_in_the_log(caplog):
    def work(job: Job[float]) -> float:
        return 1 / 0

    with caplog.at_level(logging.ERROR, logger="app.services.jobs"):
        job = Job(work, name="screen").start()
        assert job.wait(WAIT_S)
    assert job.state == "failed"
    assert job.error == "Screen failed unexpectedly (ZeroDivisionError). The details are in the log."
    assert "Traceback" in caplog.text and "1 / 0" in caplog.text


def test_two_jobs_do_not_mix_progress_results_or_cancel():
    gates = {"a": Gate(), "b": Gate()}

    def work_for(key: str, total: int):
        def work(job: Job[str]) -> str:
            job.progress(1, total, f"{key} started")
            gates[key].stop_here()
            job.progress(total, total, f"{key} finished")
            return f"result of {key}"

        return work

    jobs = JobRegistry()
    a = jobs.start("a", Job(work_for("a", 5), name="a"))
    b = jobs.start("b", Job(work_for("b", 7), name="b"))
    gates["a"].wait_reached()
    gates["b"].wait_reached()
    assert (a.snapshot().total, a.message, b.snapshot().total, b.message) == (5, "a started", 7, "b started")
    assert set(jobs.running()) == {"a", "b"}
    a.cancel()
    gates["a"].go.set()
    gates["b"].go.set()
    assert a.wait(WAIT_S) and b.wait(WAIT_S)
    assert (a.state, a.result) == ("cancelled", None)
    assert (b.state, b.result) == ("done", "result of b")
    assert jobs.get("b") is b and jobs.pop("a") is a and jobs.get("a") is None


def test_a_new_job_under_the_same_key_cancels_the_running_one():
    gate = Gate()

    def slow(job: Job[str]) -> str:
        gate.stop_here()
        job.progress(1, 1)
        return "old"

    jobs = JobRegistry()
    old = jobs.start("search", Job(slow, name="old search"))
    gate.wait_reached()
    new = jobs.start("search", Job(lambda job: "new", name="new search"))
    gate.go.set()
    assert old.wait(WAIT_S) and new.wait(WAIT_S)
    assert (old.state, new.state, new.result) == ("cancelled", "done", "new")
    assert jobs.get("search") is new


def test_a_job_starts_only_once():
    job = Job(lambda job: None, name="once").start()
    with pytest.raises(RuntimeError, match="started already"):
        job.start()
    assert job.wait(WAIT_S)


@pytest.mark.parametrize(
    "progress,text",
    [
        (JobProgress(), "starting"),
        (JobProgress(message="loading the model"), "loading the model"),
        (JobProgress(done=3, total=10), "3 of 10"),
        (JobProgress(done=500, total=2000, eta_s=150), "500 of 2,000, about 2 min left"),
        (JobProgress(done=10, total=10, eta_s=0, message="done"), "10 of 10 · done"),
    ],
)
def test_progress_text_says_what_is_known(progress: JobProgress, text: str):
    assert progress.text() == text
