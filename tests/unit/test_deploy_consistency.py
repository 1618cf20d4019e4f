"""deploy/: every command, setting, port and file the Compose file and the Kubernetes manifests name exists.

No Docker or Kubernetes runs here; these checks are what can go stale without anyone noticing.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from spyglass.cli.main import _parser
from spyglass.core.settings import load_settings, setting_names

ROOT = Path(__file__).parents[2]
COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE = yaml.safe_load((COMPOSE_DIR / "compose.yaml").read_text())
MANIFESTS = [doc for path in sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
             for doc in yaml.safe_load_all(path.read_text()) if doc]
SERVICES = COMPOSE["services"]
KNOWN = {f"SPYGLASS_{name.upper()}" for name in setting_names()}  # pydantic ignores unknown variables


def _spyglass_commands() -> list[list[str]]:
    """Every `spyglass ...` argument list in both deployments."""
    found = []
    for service in SERVICES.values():
        if service.get("image", "").startswith("spyglass"):
            if "command" in service:
                found.append(service["command"])
            for part in service.get("entrypoint", [])[2:]:  # ["/bin/sh", "-c", "... spyglass drift; ..."]
                found += [shlex.split(m) for m in re.findall(r"spyglass ([a-z][^;&|]*)", part)]
    for container in _containers():
        if container["image"].startswith("spyglass"):
            found.append(container["args"])
    return found


def _containers() -> list[dict]:
    pods = []
    for doc in MANIFESTS:
        spec = doc.get("spec", {})
        template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        if template:
            pods += template["spec"]["containers"]
    return pods


def _environments() -> list[dict[str, str]]:
    """Each Spyglass container's SPYGLASS_* variables, as the container sees them."""
    config = {k: str(v) for doc in MANIFESTS if doc["kind"] in ("ConfigMap", "Secret")
              for k, v in (doc.get("data") or doc.get("stringData")).items()}
    envs = [{k: str(v) for k, v in service.get("environment", {}).items()}
            for service in SERVICES.values() if service.get("image", "").startswith("spyglass")]
    envs += [{**config, **{e["name"]: e["value"] for e in container.get("env", [])}}
             for container in _containers() if container["image"].startswith("spyglass")]
    return envs


def test_every_spyglass_command_parses_with_the_real_cli():
    commands = _spyglass_commands()
    assert {c[0] for c in commands} >= {"migrate", "api", "ingest", "evaluate", "alerts", "drift"}
    parser = _parser()
    for command in commands:
        parser.parse_args(command)  # an unknown command or option exits with status 2


@pytest.mark.parametrize("number", range(len(_environments())))
def test_every_setting_exists_and_is_valid(number, monkeypatch):
    env = _environments()[number]
    assert env, "a Spyglass container without settings"
    for name, value in env.items():
        assert name in KNOWN, f"{name} is not a setting"
        monkeypatch.setenv(name, value)
    settings = load_settings()  # an unknown name or a bad value raises ConfigError
    assert settings.storage.dsn.startswith("http"), "deployments use a ClickHouse server"


def test_metrics_ports_are_scraped_where_they_are_served():
    targets = set(yaml.safe_load((COMPOSE_DIR / "prometheus" / "prometheus.yml").read_text())
                  ["scrape_configs"][0]["static_configs"][0]["targets"])
    for name, service in SERVICES.items():
        for key, port in service.get("environment", {}).items():
            if key.startswith("SPYGLASS_METRICS_PORT_"):
                assert f"{name}:{port}" in targets, (name, port)
    api_port = SERVICES["api"]["command"][SERVICES["api"]["command"].index("--port") + 1]
    assert f"api:{api_port}" in targets and f"{api_port}:{api_port}" in SERVICES["api"]["ports"]
    for doc in MANIFESTS:
        if doc["kind"] != "Deployment":
            continue
        template = doc["spec"]["template"]
        container = template["spec"]["containers"][0]
        served = {e["value"] for e in container.get("env", []) if e["name"].startswith("SPYGLASS_METRICS_PORT_")}
        if "--port" in container["args"]:
            served.add(container["args"][container["args"].index("--port") + 1])
        assert template["metadata"]["annotations"]["prometheus.io/port"] in served, doc["metadata"]["name"]
        assert {str(p["containerPort"]) for p in container["ports"]} == served


def test_scalers_watch_the_groups_and_topic_the_workers_use():
    config = next(doc["data"] for doc in MANIFESTS if doc["kind"] == "ConfigMap")
    settings = load_settings()
    groups = {"spyglass-ingest": config["SPYGLASS_INGEST_GROUP"], "spyglass-evaluate": config["SPYGLASS_EVALUATOR_GROUP"]}
    scalers = [doc for doc in MANIFESTS if doc["kind"] == "ScaledObject"]
    assert {s["spec"]["scaleTargetRef"]["name"] for s in scalers} == set(groups)
    for scaler in scalers:
        trigger = scaler["spec"]["triggers"][0]["metadata"]
        assert trigger["consumerGroup"] == groups[scaler["spec"]["scaleTargetRef"]["name"]]
        assert trigger["topic"] == settings.broker.spans_topic
        assert scaler["spec"]["maxReplicaCount"] <= int(config["SPYGLASS_PARTITIONS"])


def test_mounted_files_exist():
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE_DIR / source).exists(), source
    assert (ROOT / SERVICES["api"]["build"]["dockerfile"]).exists()
    assert list((ROOT / "dashboards").glob("*.json"))
