"""The error tree and its one mapping to HTTP statuses."""

from __future__ import annotations

import pytest

from spyglass.alerts.rules import RuleError
from spyglass.alerts.silences import SilenceError
from spyglass.api.errors import detail_of, headers_of, status_of
from spyglass.api.gate import GateBusy, KeyBusy
from spyglass.broker.errors import BrokerError
from spyglass.broker.publish import BrokerBusy
from spyglass.core import errors
from spyglass.ingest.otlp_decode import OtlpError
from spyglass.storage.errors import StorageError
from spyglass.storage.sql import refused


@pytest.mark.parametrize("error, status", [
    (errors.InvalidInput("x"), 400), (errors.InvalidRecord("x"), 422), (errors.TooLarge("x"), 413),
    (errors.UnsupportedFormat("x"), 415), (errors.Forbidden("x"), 403), (errors.NotFound("x"), 404),
    (errors.TimedOut("x"), 408), (errors.Conflict("x"), 409), (errors.Throttled("x"), 429),
    (errors.Unavailable("x"), 503), (errors.ConfigError("x"), 500), (errors.SpyglassError("x"), 500),
    # the layers' own classes land where their meaning says
    (StorageError("x"), 503), (BrokerError("x"), 503), (BrokerBusy("x"), 503), (GateBusy("x"), 503),
    (KeyBusy("x"), 429), (RuleError("x"), 422), (SilenceError("x"), 400), (OtlpError("x"), 400),
    (refused("x", "invalid"), 400), (refused("x", "forbidden"), 403), (refused("x", "too_slow"), 408),
    (refused("x", "too_many_rows"), 413), (refused("x", "too_much_memory"), 413),
])
def test_every_class_has_one_status(error, status):
    assert isinstance(error, errors.SpyglassError)
    assert status_of(error) == status


def test_extra_fields_travel_in_the_body_and_unavailable_says_when_to_retry():
    assert detail_of(errors.InvalidInput("bad")) == "bad"
    assert detail_of(errors.InvalidRecord("2 bad", errors=[1, 2], accepted=0)) == {
        "message": "2 bad", "errors": [1, 2], "accepted": 0}
    assert detail_of(refused("no", "forbidden")) == {"message": "no", "kind": "forbidden"}
    assert headers_of(errors.NotFound("x")) is None
    assert headers_of(BrokerBusy("busy")) == {"Retry-After": "1"}
    assert headers_of(StorageError("down")) == {"Retry-After": "5"}
    assert headers_of(errors.Unavailable("down", retry_after_s=30)) == {"Retry-After": "30"}


def test_built_in_bases_keep_old_callers_working():
    assert isinstance(errors.InvalidInput("x"), ValueError)
    assert isinstance(errors.NotFound("x"), LookupError)


def test_core_imports_nothing_of_the_project_but_itself():
    import ast
    from pathlib import Path

    for path in (Path(__file__).parents[2] / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert all(not n.startswith("spyglass.") or n.startswith("spyglass.core") for n in names), path.name
