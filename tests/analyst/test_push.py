"""`spyglass dashboards push` against a local server speaking the Grafana HTTP API."""

from __future__ import annotations

import json
from pathlib import Path

from fake_grafana import FakeGrafana
from spyglass.cli.main import main

DASHBOARDS = Path(__file__).parents[2] / "dashboards"


def _push(grafana: FakeGrafana, token: str, *extra: str) -> int:
    return main(["dashboards", "push", "--grafana-url", grafana.url, "--token", token,
                 "--clickhouse-host", "clickhouse.internal", "--clickhouse-user", "grafana_ro",
                 "--clickhouse-password", "s3cret", *extra])


def test_push_creates_then_updates_the_datasource_folder_and_dashboards(capsys):
    with FakeGrafana("glsa_test") as grafana:
        assert _push(grafana, "glsa_test") == 0
        assert grafana.problems == []
        source = grafana.datasources["spyglass-clickhouse"]
        assert source["type"] == "grafana-clickhouse-datasource" and source["access"] == "proxy"
        assert source["jsonData"] == {"host": "clickhouse.internal", "port": 8123, "protocol": "http",
                                      "username": "grafana_ro", "defaultDatabase": "spyglass", "secure": False}
        assert source["secureJsonData"] == {"password": "s3cret"}
        stored = {uid: d["dashboard"] for uid, d in grafana.dashboards.items()}
        shipped = {json.loads(p.read_text())["uid"] for p in DASHBOARDS.glob("*.json")}
        assert set(stored) == shipped and len(shipped) == 5
        assert all(d["folderUid"] == "spyglass-spyglass" for d in grafana.dashboards.values())
        for uid, board in stored.items():
            variable = next(v for v in board["templating"]["list"] if v["type"] == "datasource")
            # the operations board reads Prometheus: Grafana picks the default Prometheus source
            expected = {} if uid == "spyglass-operations" else {"text": "Spyglass ClickHouse",
                                                                "value": "spyglass-clickhouse"}
            assert variable["current"] == expected
        assert ("POST", "/api/datasources") in grafana.calls
        assert "/d/spyglass-overview/" in capsys.readouterr().out

        grafana.calls.clear()
        assert _push(grafana, "glsa_test", "--clickhouse-protocol", "native") == 0
        assert ("PUT", "/api/datasources/uid/spyglass-clickhouse") in grafana.calls
        assert ("POST", "/api/datasources") not in grafana.calls and ("POST", "/api/folders") not in grafana.calls
        assert grafana.datasources["spyglass-clickhouse"]["jsonData"]["port"] == 9000
        assert all(d["version"] == 2 for d in grafana.dashboards.values())
        assert grafana.problems == []


def test_a_wrong_token_is_a_clear_error(capsys):
    with FakeGrafana("right") as grafana:
        assert _push(grafana, "wrong") == 2
        assert "refused the push" in capsys.readouterr().err and grafana.dashboards == {}


def test_embedded_chdb_needs_a_server_for_grafana(capsys, monkeypatch):
    monkeypatch.setenv("SPYGLASS_CLICKHOUSE_DSN", "chdb:///tmp/nowhere")
    assert main(["dashboards", "push", "--grafana-url", "http://127.0.0.1:9", "--token", "t"]) == 2
    assert "--clickhouse-host" in capsys.readouterr().err


def test_missing_grafana_client_is_explained(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_grafana(name, *args, **kwargs):
        if name.startswith("grafana_client"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_grafana)
    with FakeGrafana("t") as grafana:
        assert _push(grafana, "t") == 2
    assert "pip install 'spyglass[grafana]'" in capsys.readouterr().err
