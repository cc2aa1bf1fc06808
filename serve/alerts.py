"""Prometheus alerting rules for the serving stack, with the seed documents' thresholds as defaults.

GPU temperature comes from NVIDIA's dcgm-exporter (`DCGM_FI_DEV_GPU_TEMP`), backend liveness from
Prometheus' own `up` for the scrape job of the backends (vLLM and llama-server --metrics expose /metrics),
latency and errors from the gateway's /metrics.
"""

from __future__ import annotations

from typing import Any

import yaml


def alert_rules(
    gpu_temp_c: float = 85,
    p95_latency_s: float = 2.0,
    backend_job: str = "chemassist-backends",
    error_rate_per_s: float = 0.1,
) -> dict[str, Any]:
    """A Prometheus rule file (as a dict): GPU too hot, backend down, gateway p95 too slow, backend errors."""
    p95 = "histogram_quantile(0.95, sum by (le, route) (rate(gateway_request_seconds_bucket[5m])))"
    rules = [
        {
            "alert": "GpuTooHot",
            "expr": f"DCGM_FI_DEV_GPU_TEMP > {gpu_temp_c:g}",
            "for": "5m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": f"GPU {{{{ $labels.gpu }}}} on {{{{ $labels.Hostname }}}} above {gpu_temp_c:g} °C"
            },
        },
        {
            "alert": "ModelBackendDown",
            "expr": f'up{{job="{backend_job}"}} == 0',
            "for": "1m",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "Model backend {{ $labels.instance }} is not answering /metrics"},
        },
        {
            "alert": "GatewayLatencyHigh",
            "expr": f"{p95} > {p95_latency_s:g}",
            "for": "10m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": f"Gateway p95 for {{{{ $labels.route }}}} above {p95_latency_s:g} s"},
        },
        {
            "alert": "GatewayBackendErrors",
            "expr": f"sum by (backend) (rate(gateway_backend_errors_total[5m])) > {error_rate_per_s:g}",
            "for": "5m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": "Backend {{ $labels.backend }} is failing requests (gateway fails over)"},
        },
    ]
    return {"groups": [{"name": "chemassist-serving", "rules": rules}]}


def alert_rules_yaml(**thresholds: Any) -> str:
    return yaml.safe_dump(alert_rules(**thresholds), sort_keys=False, allow_unicode=True, width=1000)
