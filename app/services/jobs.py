"""One small runner for long work (chat turns, library ingest and uploads, route searches, batch predictions and
screens): a background thread with a state, progress (done of total, a message, an ETA from the rate so far),
cooperative cancel and an error message written for the user. The UI keeps a `JobRegistry` per browser session,
so that a page rerun finds its running job again.

The work is a function of the job: it reports progress with ``job.progress(done, total, message)``, which raises
`JobCancelled` once cancel was asked for, so that work which reports often stops at its next report; work that
cannot report (a library call with its own stop flag) passes ``job.cancel_requested`` or ``job.cancel_event`` on.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, Self, TypeVar

from app.errors import ChemassistError

T = TypeVar("T")
J = TypeVar("J", bound="Job")
JobState = Literal["queued", "running", "done", "failed", "cancelled"]
FINAL_STATES: frozenset[JobState] = frozenset({"done", "failed", "cancelled"})
log = logging.getLogger(__name__)


class JobCancelled(ChemassistError):
    """Raised by `Job.progress` in the job's own thread once the job was asked to stop."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class JobProgress:
    """A snapshot of a job's progress. ``total`` 0 means the amount of work is not known (yet)."""

    done: int = 0
    total: int = 0
    message: str = ""
    elapsed_s: float = 0.0
    eta_s: float | None = None  # from the rate so far; None until something is done or when total is unknown

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total > 0 else 0.0

    def text(self, noun: str = "") -> str:
        """'12 of 40 structures, about 8 s left · predicting' (the parts that are known)."""
        parts = []
        if self.total > 0:
            parts.append(f"{self.done:,} of {self.total:,}" + (f" {noun}" if noun else ""))
        if self.eta_s is not None and self.done < self.total:
            parts.append(f"about {duration(self.eta_s)} left")
        head = ", ".join(parts)
        return " · ".join(p for p in (head, self.message) if p) or "starting"


def duration(seconds: float) -> str:
    """'8 s', '3 min', '1.5 h'."""
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def unexpected(what: str) -> Callable[[BaseException], str]:
    """The message for an exception the work did not expect: what failed and the exception's type (the traceback
    goes to the log, never to the user)."""
    return lambda exc: f"{what} failed unexpectedly ({type(exc).__name__}). The details are in the log."


class Job(Generic[T]):
    """Work running in a daemon thread. Read ``state``, ``snapshot()``, ``result`` and ``error`` from any thread;
    ``cancel()`` asks the work to stop at its next progress report."""

    def __init__(
        self,
        work: Callable[[Job[T]], T],
        *,
        name: str = "job",
        total: int = 0,
        message: str = "",
        describe_error: Callable[[BaseException], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._work = work
        self._describe = describe_error or unexpected(name.capitalize())
        self._clock = clock
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self.cancel_event = threading.Event()
        self.state: JobState = "queued"
        self.result: T | None = None
        self.error: str | None = None
        self.exception: BaseException | None = None
        self._done, self._total, self._message = 0, total, message
        self._started: float | None = None
        self._ended: float | None = None
        self._thread: threading.Thread | None = None

    # --- the caller's side ----------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError(f"job {self.name} was started already")
        self._thread = threading.Thread(target=self._run, name=f"job-{self.name}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next progress report (or when it next reads the flag)."""
        self.cancel_event.set()

    @property
    def cancel_requested(self) -> bool:
        return self.cancel_event.is_set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (True) or `timeout` seconds passed (False)."""
        return self._finished.wait(timeout)

    def snapshot(self) -> JobProgress:
        with self._lock:
            done, total, message, started, ended = self._done, self._total, self._message, self._started, self._ended
        now = ended if ended is not None else self._clock()
        elapsed = now - started if started is not None else 0.0
        eta = None
        if total > 0 and 0 < done < total and elapsed > 0:
            eta = (total - done) * elapsed / done
        return JobProgress(done, total, message, elapsed, eta)

    @property
    def fraction(self) -> float:
        """Share done, 0 to 1 (1 once the job has finished, whatever it counted)."""
        return 1.0 if self.state == "done" else self.snapshot().fraction

    @property
    def message(self) -> str:
        with self._lock:
            return self._message

    # --- the work's side ------------------------------------------------------------------------------------

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress (``total`` and ``message`` kept when not given); raises JobCancelled after `cancel`."""
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            if message is not None:
                self._message = message
        self.check()

    def say(self, message: str) -> None:
        """Change the message only (what the work is doing now); raises JobCancelled after `cancel`."""
        with self._lock:
            self._message = message
        self.check()

    def check(self) -> None:
        if self.cancel_event.is_set():
            raise JobCancelled()

    def _run(self) -> None:
        with self._lock:
            self.state, self._started = "running", self._clock()
        state: JobState
        try:
            result = self._work(self)
        except JobCancelled:
            state = "cancelled"
        except ChemassistError as exc:
            self.exception, self.error, state = exc, str(exc), "failed"
        except Exception as exc:  # noqa: BLE001 - a job must end with a message, never as a dead thread
            log.error("job %s failed:\n%s", self.name, traceback.format_exc())
            self.exception, self.error, state = exc, self._describe(exc), "failed"
        else:
            # Work that stops on the flag by itself returns what it had (a partial route search, a stopped turn)
            self.result = result
            state = "cancelled" if self.cancel_event.is_set() else "done"
        with self._lock:
            self._ended = self._clock()
            if state == "done" and self._total > 0:
                self._done = self._total
            self.state = state
        self._finished.set()


class JobRegistry:
    """The jobs of one browser session by name (one per page spot): a page rerun finds its job again here.
    Starting a job under a name that has a running one cancels that one first."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, key: str, job: J) -> J:
        with self._lock:
            old = self._jobs.get(key)
            if old is not None and not old.finished:
                old.cancel()
            self._jobs[key] = job
        return job.start()

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def pop(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.pop(key, None)

    def running(self) -> dict[str, Job]:
        with self._lock:
            return {k: j for k, j in self._jobs.items() if not j.finished}

    def cancel_all(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel()
