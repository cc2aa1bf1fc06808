"""What a lab installs to run a plan without the app: exact command lines, systemd units, the CLI line."""

from __future__ import annotations

import io
import shlex
import zipfile

from app.services.serving.lifecycle import ServePlan
from serve import systemd
from serve.launcher import LaunchSpec


def command_line(spec: LaunchSpec) -> str:
    """The exact shell line that starts SPEC: environment assignments, then the quoted argv."""
    env = " ".join(f"{key}={shlex.quote(value)}" for key, value in sorted(spec.env.items()))
    return f"{env} {shlex.join(spec.argv)}" if env else shlex.join(spec.argv)


def systemd_units(plan: ServePlan, user: str | None = None) -> dict[str, str]:
    """Unit file name -> text, one per launch spec."""
    return {systemd.unit_name(spec): systemd.systemd_unit(spec, user=user) for spec in plan.specs}


def systemd_zip(plan: ServePlan, user: str | None = None) -> bytes:
    """All units in one zip, ready for /etc/systemd/system/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in systemd_units(plan, user=user).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def start_command(
    name: str, catalog: str = "serve/examples/catalog.yaml", cluster: str = "serve/examples/cluster.yaml"
) -> str:
    """The CLI line that starts one planned backend under a supervisor (and waits until it is healthy)."""
    return f"chemassist serve up {shlex.quote(name)} --catalog {shlex.quote(catalog)} --cluster {shlex.quote(cluster)}"
