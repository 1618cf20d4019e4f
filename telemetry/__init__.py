"""Spyglass's own Prometheus metrics: one catalogue (``catalogue``), the ``/metrics`` exposition
(``exposition``; ``http`` adds the API's route and request middleware) and small recorders the
services call (``consumer``, ``recorders``).

Apart from ``http`` (FastAPI), it imports only ``prometheus_client``, the standard library and the
wire format, so every layer may use it.
"""
