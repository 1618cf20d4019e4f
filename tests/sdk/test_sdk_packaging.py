"""The SDK stays light: importing it loads nothing of the backend, and no Kafka client for HTTP users."""

from __future__ import annotations

import json
import subprocess
import sys


def test_sdk_import_loads_no_backend_module_and_no_kafka_client():
    code = ("import sys, spyglass.sdk as s; s.init(api_url='http://127.0.0.1:9'); s.shutdown(0);"
            "import json; print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    modules = json.loads(out.strip().splitlines()[-1])
    spyglass_modules = {name for name in modules if name.startswith("spyglass")}
    assert spyglass_modules <= {"spyglass"} | {name for name in spyglass_modules if name.startswith("spyglass.sdk")}
    assert not any(name == "kafka" or name.startswith("kafka.") for name in modules)
