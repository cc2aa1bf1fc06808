"""Long work as jobs (app.services.jobs) with the real components: a batch reports each chunk of structures, a
screen cancelled after its first chunk stops there instead of predicting the rest, and a chat turn (offline
model, real tools, SQLite) keeps its tool calls, result or error."""

from __future__ import annotations

import threading

from app.services import properties, sessions
from app.services.jobs import Job
from app.ui.chat_job import ChatJob
from tools.properties import datasets
from tools.properties.predict import PROGRESS_CHUNK
from tools.results import ScreenRow

WAIT_S = 300  # the screen of a chunk on a busy 2-core machine; a passing test waits only as long as the work


def _molecules(n: int) -> list[str]:
    return list(datasets.load("esol")["smiles"])[:n]


def test_a_batch_reports_each_chunk_and_predicts_the_same_as_without_progress():
    smiles = _molecules(2 * PROGRESS_CHUNK + 7)
    reports: list[tuple[int, int]] = []
    with_progress = properties.predict_many(smiles, ["logs"], progress=lambda d, t, m: reports.append((d, t)))
    assert reports == [(0, len(smiles)), (PROGRESS_CHUNK, len(smiles)), (2 * PROGRESS_CHUNK, len(smiles))] + [
        (len(smiles), len(smiles))
    ]
    assert with_progress == properties.predict_many(smiles, ["logs"])


def test_a_screen_cancelled_after_its_first_chunk_predicts_no_more():
    smiles = _molecules(6 * PROGRESS_CHUNK)
    first_chunk, go = threading.Event(), threading.Event()
    reported: list[int] = []

    def work(job: Job[list[ScreenRow]]) -> list[ScreenRow]:
        def progress(done: int, total: int, message: str) -> None:
            reported.append(done)
            if done == PROGRESS_CHUNK:
                first_chunk.set()
                go.wait(WAIT_S)
            job.progress(done, total, message)

        return properties.screen(["logS > -4"], candidates=smiles, progress=progress)

    job = Job(work, name="screen", total=len(smiles)).start()
    assert first_chunk.wait(WAIT_S)
    job.cancel()
    go.set()
    assert job.wait(WAIT_S)
    assert (job.state, job.result, reported) == ("cancelled", None, [0, PROGRESS_CHUNK])
    assert job.snapshot().text("candidates").startswith(f"{PROGRESS_CHUNK} of {len(smiles)} candidates")


def test_a_bad_window_fails_the_job_with_the_services_message():
    job = Job(lambda job: properties.screen(["Tg is high"], candidates=["CCO"], progress=job.progress), name="screen")
    assert job.start().wait(WAIT_S)
    assert job.state == "failed" and job.error is not None and job.error.startswith("Cannot read window 'Tg is high'")


def test_a_chat_turn_runs_as_a_job_with_its_tool_calls_and_result(bob):
    session = sessions.create_session(bob, "Caffeine")
    turn = ChatJob(bob, session.id, "What is the molecular weight of caffeine?").start()
    assert turn.status() in ("Thinking…", "Writing the answer…") or turn.status().startswith("Running ")
    assert turn.job is not None and turn.job.wait(WAIT_S)
    assert turn.done and turn.error is None and turn.result is not None and turn.job.state == "done"
    assert [call["name"] for call in turn.tools.values()] == [call["name"] for call in turn.result.tool_calls]
    assert turn.result.tool_calls and "194.19" in turn.result.message.content


def test_a_chat_turn_that_the_service_refuses_is_a_failed_job_with_its_message(bob):
    session = sessions.create_session(bob, "Empty")
    turn = ChatJob(bob, session.id, "   ").start()
    assert turn.job is not None and turn.job.wait(WAIT_S)
    assert (turn.job.state, turn.error, turn.result) == ("failed", "Type a question first.", None)
