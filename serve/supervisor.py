"""Supervise one backend process: start, health-check, restart with exponential backoff, rotate logs, stop.

Runs in-process (`Supervisor(spec, state_dir).run()` in a thread, `stop()` from another) or detached as
`python -m serve.supervisor SPEC.json --state-dir DIR`, where SIGTERM stops it gracefully. The backend
gets its own process group so that stopping it also stops the workers it spawned (vLLM's TP ranks).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import threading
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

import httpx

from serve.launcher import BackendState, LaunchSpec, Status, log_path, process_start_ticks, write_state


class BackendLog(RotatingFileHandler):
    """The backend's output and the supervisor's notes, rotated at max_bytes into NAME.1 .. NAME.<backups>
    (the stdlib's RotatingFileHandler: thread-safe, the same rotation as logging's). With no backups the file
    starts over when full, where the stdlib would let it grow without bound."""

    def __init__(self, path: Path, max_bytes: int, backups: int):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(self.path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", errors="replace")
        self.terminator = ""  # lines arrive whole, with their own newline
        self.setFormatter(logging.Formatter("%(message)s"))

    def write(self, data: bytes) -> None:
        """Append DATA (a line of output, not necessarily UTF-8: undecodable bytes are replaced)."""
        self.handle(logging.makeLogRecord({"msg": data.decode("utf-8", errors="replace")}))

    def doRollover(self) -> None:  # noqa: N802 - the stdlib's name
        super().doRollover()
        if self.backupCount == 0 and self.stream is not None:
            self.stream.truncate(0)


class Supervisor:
    """Keeps one LaunchSpec's process running and healthy until stop() or too many restarts."""

    def __init__(self, spec: LaunchSpec, state_dir: Path):
        self.spec, self.state_dir = spec, Path(state_dir)
        self.policy = spec.policy
        self.log = BackendLog(log_path(self.state_dir, spec.name), self.policy.log_max_bytes, self.policy.log_backups)
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.started_at = time.time()
        self._status: Status = "starting"
        self._last_exit: int | None = None

    # -- state --------------------------------------------------------------------------------------------
    def _set(self, status: Status, message: str = "") -> None:
        self._status = status
        self.note(f"status {status}{': ' + message if message else ''}")
        write_state(
            self.state_dir,
            BackendState(
                name=self.spec.name,
                status=status,
                supervisor_pid=os.getpid(),
                supervisor_started=process_start_ticks(os.getpid()),
                child_pid=self._proc.pid if self._proc else None,
                host=self.spec.host,
                port=self.spec.port,
                served_names=self.spec.served_names,
                restarts=self.restarts,
                last_exit_code=self._last_exit,
                message=message,
                log_file=str(self.log.path),
                started_at=self.started_at,
                updated_at=time.time(),
            ),
        )

    def note(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.log.write(f"[supervisor {stamp}] {text}\n".encode())

    # -- process ------------------------------------------------------------------------------------------
    def _spawn(self) -> None:
        env = {**os.environ, **self.spec.env}
        self._proc = subprocess.Popen(
            self.spec.argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc = self._proc
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, b""):
            self.log.write(line)
        proc.stdout.close()

    def _healthy(self) -> bool:
        try:
            resp = httpx.get(f"{self.spec.base_url}{self.spec.health_path}", timeout=self.policy.health_timeout_s)
        except httpx.HTTPError:
            return False
        return resp.status_code == 200

    def _terminate(self) -> None:
        """SIGTERM the backend's process group, SIGKILL it after stop_timeout_s."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=self.policy.stop_timeout_s)
        except subprocess.TimeoutExpired:
            self.note(f"no exit {self.policy.stop_timeout_s:g} s after SIGTERM; sending SIGKILL")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass
        self._last_exit = proc.returncode

    # -- loop ---------------------------------------------------------------------------------------------
    def _run_once(self) -> tuple[bool, str]:
        """Start the backend and watch it; (was it healthy for a while, why it ended)."""
        try:
            self._spawn()
        except OSError as exc:
            return False, f"could not start {self.spec.argv[0]!r}: {exc}"
        self._set("starting" if self.restarts == 0 else "restarting", f"pid {self._proc.pid if self._proc else '?'}")
        deadline = time.monotonic() + self.policy.startup_timeout_s
        assert self._proc is not None
        while not self._healthy():
            if self._proc.poll() is not None:
                self._last_exit = self._proc.returncode
                return False, f"exited with code {self._proc.returncode} before becoming healthy"
            if time.monotonic() > deadline:
                self._terminate()
                return False, f"not healthy after {self.policy.startup_timeout_s:g} s"
            if self._stop.wait(min(0.1, self.policy.health_interval_s)):
                return False, "stop requested"
        healthy_since = time.monotonic()
        self._set("healthy", f"pid {self._proc.pid}")
        failures = 0
        while not self._stop.wait(self.policy.health_interval_s):
            if self._proc.poll() is not None:
                self._last_exit = self._proc.returncode
                stable = time.monotonic() - healthy_since >= self.policy.stable_after_s
                return stable, f"exited with code {self._proc.returncode}"
            if self._healthy():
                failures = 0
                continue
            failures += 1
            if failures >= self.policy.health_failures:
                self._set("unhealthy", f"{failures} failed health checks; restarting")
                self._terminate()
                stable = time.monotonic() - healthy_since >= self.policy.stable_after_s
                return stable, f"stopped answering ({failures} failed health checks)"
        return True, "stop requested"

    def run(self) -> None:
        """Supervise until stop() or until max_restarts is exceeded; the outcome goes to the state file."""
        consecutive = 0
        try:
            while not self._stop.is_set():
                stable, why = self._run_once()
                if self._stop.is_set():
                    break
                consecutive = 1 if stable else consecutive + 1
                self.note(f"backend {why}")
                if self.restarts >= self.policy.max_restarts:
                    self._terminate()
                    self._set("failed", f"{why}; gave up after {self.restarts} restarts")
                    return
                delay = min(self.policy.backoff_initial_s * 2 ** (consecutive - 1), self.policy.backoff_max_s)
                self.restarts += 1
                self._set("restarting", f"{why}; restart {self.restarts} in {delay:g} s")
                if self._stop.wait(delay):
                    break
            self._set("stopping")
            self._terminate()
            self._set("stopped", f"stopped on request (exit code {self._last_exit})")
        finally:
            self._terminate()
            self.log.close()
        return

    def stop(self) -> None:
        self._stop.set()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Supervise one model backend (started by `chemassist serve up`).")
    parser.add_argument("spec", type=Path, help="LaunchSpec JSON file.")
    parser.add_argument("--state-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    spec = LaunchSpec.model_validate_json(args.spec.read_text(encoding="utf-8"))
    supervisor = Supervisor(spec, args.state_dir)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stop())
    signal.signal(signal.SIGINT, lambda *_: supervisor.stop())
    supervisor.run()


if __name__ == "__main__":
    main()
