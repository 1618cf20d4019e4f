"""Spyglass's own Prometheus metrics: one catalogue (``catalogue``), the ``/metrics`` exposition
(``exposition``) and small recorders the services call (``consumer``, ``http``).

Imports only ``prometheus_client``, the standard library and the wire format, so every layer may use it.
"""
