"""schemathesis generates requests from our OpenAPI schema; none may produce a server error (5xx).

schemathesis builds each case (path, query, headers, body) from the schema; httpx sends it to the
running stack with the operator key. (schemathesis's own sender goes through requests, which the
urllib3-future that the grafana extra pulls in breaks.) Each operation gets its own Hypothesis
run; every failing operation is reported.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_no_server_error_on_any_operation(stack):
    schema = schemathesis.openapi.from_url(f"{stack.api_url}/openapi.json")
    client = httpx.Client(timeout=60)
    failures, tested = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1

        @settings(max_examples=15, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def no_server_error(case):
            kwargs = case.as_transport_kwargs(base_url=stack.api_url, headers=stack.auth_headers)
            body = {k: kwargs[k] for k in ("json", "data", "content") if kwargs.get(k) is not None}
            if isinstance(body.get("data"), (bytes, str)):
                body = {"content": body["data"]}
            response = client.request(kwargs["method"], kwargs["url"], params=kwargs.get("params"),
                                      headers=kwargs.get("headers"), **body)
            assert response.status_code < 500, \
                f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}: {response.text[:300]}"

        try:
            no_server_error()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    client.close()
    print(f"\nschemathesis: {tested} operations, {len(failures)} with server errors")
    assert tested >= 20
    assert not failures, "\n".join(failures)
