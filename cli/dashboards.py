"""`spyglass dashboards push`: provision the ClickHouse data source and the dashboards in Grafana.

Uses grafana-client (the maintained fork of grafana-api), installed with the `grafana` extra:
``pip install 'spyglass[grafana]'``. The request bodies are built by plain functions here and sent
through the Grafana HTTP API: data source by uid (PUT when it exists, POST otherwise), one folder,
then every ``dashboards/*.json`` with ``overwrite: true``.
"""

from __future__ import annotations

import argparse
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from spyglass.core.settings import Settings
from spyglass.storage.errors import ConfigError

PLUGIN = "grafana-clickhouse-datasource"
DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"


@dataclass(frozen=True)
class ClickHouseServer:
    """Where Grafana reaches ClickHouse (not where this CLI does: chDB is not reachable from Grafana)."""

    host: str
    port: int = 8123
    protocol: str = "http"
    username: str = "default"
    password: str = ""
    database: str = "spyglass"
    secure: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("push",), help="push: create or update the data source and dashboards")
    parser.add_argument("--grafana-url", required=True, help="e.g. http://grafana:3000")
    parser.add_argument("--token", required=True, help="Grafana service account token (Editor or Admin)")
    parser.add_argument("--clickhouse-host", help="ClickHouse host as Grafana sees it; default: from an http(s) "
                        "SPYGLASS_CLICKHOUSE_DSN")
    parser.add_argument("--clickhouse-port", type=int, help="default 8123 (http), 9000 (native)")
    parser.add_argument("--clickhouse-protocol", choices=("http", "native"), default="http")
    parser.add_argument("--clickhouse-user", help="a read-only ClickHouse user is recommended")
    parser.add_argument("--clickhouse-password", default=None)
    parser.add_argument("--clickhouse-secure", action="store_true", help="TLS to ClickHouse")
    parser.add_argument("--datasource-name", default="Spyglass ClickHouse")
    parser.add_argument("--datasource-uid", default="spyglass-clickhouse")
    parser.add_argument("--folder", default="Spyglass", help="Grafana folder title ('' for General)")
    parser.add_argument("--dashboards", type=Path, default=DASHBOARDS, help="folder of dashboard JSON files")


def clickhouse_server(args: argparse.Namespace, settings: Settings) -> ClickHouseServer:
    """The server from the options, falling back to an http(s) DSN in the settings."""
    dsn = urlsplit(settings.storage.dsn) if settings.storage.dsn.startswith(("http://", "https://")) else None
    host = args.clickhouse_host or (dsn.hostname if dsn else None)
    if not host:
        raise ConfigError("Grafana cannot read the embedded chDB: pass --clickhouse-host (a ClickHouse server "
                          "holding the Spyglass database) or set SPYGLASS_CLICKHOUSE_DSN=http://host:8123")
    default_port = 9000 if args.clickhouse_protocol == "native" else 8123
    return ClickHouseServer(
        host=host, port=args.clickhouse_port or (dsn.port if dsn and dsn.port else default_port),
        protocol=args.clickhouse_protocol, username=args.clickhouse_user or (dsn.username if dsn else None) or "default",
        password=args.clickhouse_password if args.clickhouse_password is not None else (dsn.password if dsn else "") or "",
        database=settings.storage.database, secure=args.clickhouse_secure or (dsn.scheme == "https" if dsn else False))


def datasource_body(server: ClickHouseServer, name: str, uid: str) -> dict[str, Any]:
    """POST/PUT /api/datasources body for the ClickHouse plugin (v4 jsonData names)."""
    return {"name": name, "uid": uid, "type": PLUGIN, "access": "proxy", "isDefault": False,
            "jsonData": {"host": server.host, "port": server.port, "protocol": server.protocol,
                         "username": server.username, "defaultDatabase": server.database, "secure": server.secure},
            "secureJsonData": {"password": server.password}}


def load_dashboards(folder: Path) -> list[dict[str, Any]]:
    """Every ``*.json`` dashboard in ``folder``, sorted by file name."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise ConfigError(f"no dashboard JSON files in {folder}")
    return [json.loads(path.read_text()) for path in files]


def dashboard_body(dashboard: dict[str, Any], datasource_uid: str, datasource_name: str,
                   folder_uid: str | None) -> dict[str, Any]:
    """POST /api/dashboards/db body: the dashboard bound to our data source, overwriting by uid."""
    board = copy.deepcopy(dashboard)
    board.pop("id", None)  # a new or overwritten dashboard is addressed by uid, never by id
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("type") == "datasource" and variable.get("query") == PLUGIN:  # not the Prometheus one
            variable["current"] = {"text": datasource_name, "value": datasource_uid}
    body: dict[str, Any] = {"dashboard": board, "overwrite": True, "message": "provisioned by spyglass dashboards push"}
    if folder_uid:
        body["folderUid"] = folder_uid
    return body


def _grafana(url: str, token: str) -> Any:
    try:
        from grafana_client import GrafanaApi
    except ImportError:
        raise ConfigError("spyglass dashboards needs grafana-client: pip install 'spyglass[grafana]'") from None
    return GrafanaApi.from_url(url, credential=token, timeout=30.0)


def _missing(exc: Exception) -> bool:
    return getattr(exc, "status_code", None) == 404


def push(grafana: Any, datasource: dict[str, Any], dashboards: list[dict[str, Any]], folder: str) -> list[str]:
    """Create or update the data source, the folder and the dashboards; return the dashboards' URLs."""
    from grafana_client.client import GrafanaClientError

    try:
        grafana.datasource.get_datasource_by_uid(datasource["uid"])
        grafana.datasource.update_datasource_by_uid(datasource["uid"], datasource)
    except GrafanaClientError as exc:
        if not _missing(exc):
            raise
        grafana.datasource.create_datasource(datasource)
    folder_uid = None
    if folder:
        folder_uid = "spyglass-" + "".join(c if c.isalnum() else "-" for c in folder.lower())[:30]
        try:
            grafana.folder.get_folder(folder_uid)
        except GrafanaClientError as exc:
            if not _missing(exc):
                raise
            grafana.folder.create_folder(folder, uid=folder_uid)
    urls = []
    for board in dashboards:
        reply = grafana.dashboard.update_dashboard(dashboard_body(board, datasource["uid"], datasource["name"],
                                                                  folder_uid))
        urls.append(reply.get("url", board.get("uid", "")))
    return urls


def run(args: argparse.Namespace, settings: Settings) -> int:
    server = clickhouse_server(args, settings)
    boards = load_dashboards(args.dashboards)
    grafana = _grafana(args.grafana_url, args.token)
    from grafana_client.client import GrafanaException
    from niquests.exceptions import RequestException

    try:
        urls = push(grafana, datasource_body(server, args.datasource_name, args.datasource_uid), boards, args.folder)
    except (GrafanaException, RequestException) as exc:
        raise ConfigError(f"Grafana at {args.grafana_url} refused the push: {exc}") from None
    print(f"data source {args.datasource_name!r} -> {server.protocol}://{server.host}:{server.port}/{server.database}")
    for url in urls:
        print(f"dashboard {args.grafana_url.rstrip('/')}{url}")
    return 0
