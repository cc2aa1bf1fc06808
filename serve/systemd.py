"""Export launch specs as systemd service units, for labs that prefer systemd to `chemassist serve up`.

systemd then does the supervising: Restart=on-failure with a start-rate limit stands in for our backoff,
TimeoutStopSec for the SIGTERM-then-SIGKILL grace period.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from serve.launcher import LaunchSpec


def unit_name(spec: LaunchSpec) -> str:
    return f"chemassist-{spec.name}.service"


def systemd_unit(spec: LaunchSpec, user: str | None = None, working_dir: str | None = None) -> str:
    """The text of a .service unit running SPEC (program resolved to an absolute path when on PATH)."""
    argv = list(spec.argv)
    argv[0] = shutil.which(argv[0]) or argv[0]
    policy = spec.policy
    lines = [
        "[Unit]",
        f"Description=chemassist model backend {spec.name} ({', '.join(spec.served_names) or spec.argv[0]})",
        "After=network-online.target",
        "Wants=network-online.target",
        f"StartLimitIntervalSec={int(max(300, policy.backoff_max_s * 5))}",
        f"StartLimitBurst={policy.max_restarts + 1}",
        "",
        "[Service]",
        "Type=simple",
    ]
    if user:
        lines.append(f"User={user}")
    if working_dir:
        lines.append(f"WorkingDirectory={working_dir}")
    lines += [f'Environment="{key}={value}"' for key, value in sorted(spec.env.items())]
    lines += [
        f"ExecStart={shlex.join(argv)}",
        "Restart=on-failure",
        f"RestartSec={max(1, int(policy.backoff_initial_s))}",
        "KillSignal=SIGTERM",
        f"TimeoutStopSec={int(policy.stop_timeout_s)}",
        f"TimeoutStartSec={int(policy.startup_timeout_s)}",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    return "\n".join(lines)


def write_units(specs: list[LaunchSpec], folder: Path, user: str | None = None) -> list[Path]:
    """Write one unit file per spec into FOLDER; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in specs:
        path = folder / unit_name(spec)
        path.write_text(systemd_unit(spec, user=user), encoding="utf-8")
        paths.append(path)
    return paths
