"""A local HTTP server that answers like Grafana's HTTP API and refuses requests of the wrong shape.

Shapes from the Grafana HTTP API reference: data sources (GET/PUT /api/datasources/uid/:uid,
POST /api/datasources), folders (GET /api/folders/:uid, POST /api/folders) and dashboards
(POST /api/dashboards/db with {"dashboard", "overwrite", "folderUid"?, "message"?}); every call
authenticated with ``Authorization: Bearer <service account token>``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeGrafana:
    """Run with ``with FakeGrafana(token) as grafana``; ``grafana.url``, ``grafana.calls``, stored state."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.datasources: dict[str, dict[str, Any]] = {}
        self.folders: dict[str, dict[str, Any]] = {}
        self.dashboards: dict[str, dict[str, Any]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeGrafana":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, dict[str, Any]]:
        """Grafana's status and JSON for one request; a malformed request is a 400 and a recorded problem."""
        self.calls.append((method, path))
        if headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"message": "Unauthorized"}
        if method in ("POST", "PUT") and not (headers.get("Content-Type") or "").startswith("application/json"):
            return self._bad(f"{method} {path} without a JSON content type")
        parts = path.strip("/").split("/")
        if parts[:3] == ["api", "datasources", "uid"] and len(parts) == 4:
            if parts[3] not in self.datasources:
                return 404, {"message": "Data source not found"}
            if method == "GET":
                return 200, self.datasources[parts[3]]
            if method == "PUT":
                return self._save_datasource(body, updated=True)
        if parts == ["api", "datasources"] and method == "POST":
            return self._save_datasource(body, updated=False)
        if parts[:2] == ["api", "folders"]:
            if method == "GET" and len(parts) == 3:
                return (200, self.folders[parts[2]]) if parts[2] in self.folders else (404, {"message": "folder not found"})
            if method == "POST" and len(parts) == 2:
                if not isinstance(body, dict) or not isinstance(body.get("title"), str):
                    return self._bad("POST /api/folders needs a title")
                self.folders[body.get("uid") or body["title"]] = {"uid": body.get("uid"), "title": body["title"]}
                return 200, {"id": len(self.folders), "uid": body.get("uid"), "title": body["title"]}
        if parts == ["api", "dashboards", "db"] and method == "POST":
            return self._save_dashboard(body)
        return 404, {"message": "Not found"}

    def _bad(self, problem: str) -> tuple[int, dict[str, Any]]:
        self.problems.append(problem)
        return 400, {"message": problem}

    def _save_datasource(self, body: Any, updated: bool) -> tuple[int, dict[str, Any]]:
        required = {"name": str, "type": str, "access": str, "jsonData": dict}
        if not isinstance(body, dict) or any(not isinstance(body.get(k), t) for k, t in required.items()):
            return self._bad(f"data source body needs {sorted(required)}")
        if body["access"] not in ("proxy", "direct"):
            return self._bad("access must be proxy or direct")
        if not updated and any(d["name"] == body["name"] for d in self.datasources.values()):
            return 409, {"message": "data source with the same name already exists"}
        uid = body.get("uid") or body["name"]
        self.datasources[uid] = {**body, "id": len(self.datasources) + 1}
        return 200, {"datasource": self.datasources[uid], "id": self.datasources[uid]["id"],
                     "message": "Datasource updated" if updated else "Datasource added", "name": body["name"]}

    def _save_dashboard(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("dashboard"), dict):
            return self._bad("POST /api/dashboards/db needs a dashboard object")
        board, folder = body["dashboard"], body.get("folderUid")
        if not isinstance(board.get("title"), str) or board.get("id") is not None:
            return self._bad("a dashboard needs a title, and id null to create or overwrite by uid")
        if not isinstance(body.get("overwrite", False), bool) or (folder is not None and folder not in self.folders):
            return self._bad("overwrite must be a boolean and folderUid an existing folder")
        if board.get("uid") in self.dashboards and not body.get("overwrite"):
            return 412, {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"}
        version = self.dashboards.get(board.get("uid"), {}).get("version", 0) + 1
        self.dashboards[board["uid"]] = {"dashboard": board, "folderUid": folder, "version": version}
        slug = board["title"].lower().replace(" / ", "-").replace(" ", "-")
        return 200, {"id": len(self.dashboards), "uid": board["uid"], "url": f"/d/{board['uid']}/{slug}",
                     "status": "success", "version": version, "slug": slug}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    status, reply = fake._bad(f"{self.command} {self.path}: body is not JSON")
                else:
                    status, reply = fake.answer(self.command, self.path, self.headers, body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args: object) -> None:
                pass

        return Handler
