"""Model serving for the CLI and the Models and Compute planner pages, one module per job over serve/:

- `config_files`: catalog and cluster YAML from paths or uploads, with clear errors;
- `lifecycle`: plan, start, stop and inspect the supervised backends, the gateway's configuration;
- `telemetry`: live tokens/s, queue and KV-cache use, and this host's GPUs;
- `sizing`: the sizing calculator (the arithmetic itself is serve/sizing's);
- `deployment`: command lines and systemd units for labs that run the plan themselves.

Serving errors reach callers as ValidationFailed with the same message. Table cells are app/ui/serving_tables'.
"""

from app.services.serving.config_files import EXAMPLES, read_catalog, read_cluster, resolve_path
from app.services.serving.deployment import command_line, start_command, systemd_units, systemd_zip
from app.services.serving.errors import clear_errors
from app.services.serving.lifecycle import (
    ServePlan,
    default_state_dir,
    down,
    gateway_config,
    is_running,
    launch,
    logs,
    make_plan,
    plan_for,
    status,
    up,
)
from app.services.serving.sizing import (
    GPU_NAMES,
    KV_DTYPES,
    QUANTIZATIONS,
    Sizing,
    gpu,
    model_for_sizing,
    size_model,
)
from app.services.serving.telemetry import BackendLoadReading, gpus, live_load

__all__ = [
    "EXAMPLES",
    "GPU_NAMES",
    "KV_DTYPES",
    "QUANTIZATIONS",
    "BackendLoadReading",
    "ServePlan",
    "Sizing",
    "clear_errors",
    "command_line",
    "default_state_dir",
    "down",
    "gateway_config",
    "gpu",
    "gpus",
    "is_running",
    "launch",
    "live_load",
    "logs",
    "make_plan",
    "model_for_sizing",
    "plan_for",
    "read_catalog",
    "read_cluster",
    "resolve_path",
    "size_model",
    "start_command",
    "status",
    "systemd_units",
    "systemd_zip",
    "up",
]
