"""Alert rules carry the seed thresholds and are valid Prometheus rule YAML."""

import yaml

from serve.alerts import alert_rules_yaml


def test_rules_use_the_seed_thresholds():
    rules = {r["alert"]: r for r in yaml.safe_load(alert_rules_yaml())["groups"][0]["rules"]}
    assert rules["GpuTooHot"]["expr"] == "DCGM_FI_DEV_GPU_TEMP > 85"
    assert rules["ModelBackendDown"]["expr"] == 'up{job="chemassist-backends"} == 0'


def test_the_latency_target_is_configurable():
    rules = yaml.safe_load(alert_rules_yaml(p95_latency_s=0.5))["groups"][0]["rules"]
    latency = next(r for r in rules if r["alert"] == "GatewayLatencyHigh")
    assert latency["expr"].endswith("rate(gateway_request_seconds_bucket[5m]))) > 0.5")
