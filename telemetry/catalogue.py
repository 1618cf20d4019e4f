"""Every Spyglass metric, defined once. Labels are bounded by configuration, never by data:
consumer groups, topics and partitions, evaluator and channel names, rule kinds, route
templates. No prompt text, user ids, trace ids or project names are ever label values.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

# Batches hold up to ~20k spans; stores take ms to tens of seconds.
_SIZE_BUCKETS = (1, 10, 50, 100, 500, 1_000, 5_000, 10_000, 20_000, 50_000)
_SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

# ingest and evaluator consumer groups (the shared consumer loop)
SPANS_RECEIVED = Counter("spyglass_spans_received", "Spans decoded from Kafka records by a consumer group "
                         "(valid and invalid; re-deliveries count again)", ["group"])
SPANS_STORED = Counter("spyglass_spans_stored", "Spans written to ClickHouse by the ingest group "
                       "(duplicates dropped)", ["group"])
DEAD_LETTERS = Counter("spyglass_dead_letters", "Records or spans sent to the dead-letter topic, by reason "
                       "('record' for an unreadable record, else the span field at fault)", ["group", "reason"])
CONSUMER_LAG = Gauge("spyglass_consumer_lag_records", "Records in the partition after the last offset the "
                     "group stored (high watermark minus stored position)", ["group", "topic", "partition"])
BATCH_SPANS = Histogram("spyglass_consumer_batch_spans", "Items per stored batch", ["group"],
                        buckets=_SIZE_BUCKETS)
STORE_SECONDS = Histogram("spyglass_consumer_store_seconds", "Time to store one batch (ClickHouse insert; "
                          "for evaluators, scoring too)", ["group"], buckets=_SECONDS_BUCKETS)
STORE_FAILURES = Counter("spyglass_consumer_store_failures", "Batches not stored and fetched again", ["group"])
PIPELINE_BATCHES = Gauge("spyglass_consumer_pipeline_batches", "Batches held by the consumer loop per stage "
                         "(decoding, storing)", ["group", "stage"])

# the embedded broker's retention (broker/rotation.py)
BROKER_MEMORY = Gauge("spyglass_broker_memory_bytes", "Resident memory of the embedded broker process")
BROKER_ROTATIONS = Counter("spyglass_broker_rotations", "Times the embedded broker's retention recreated a "
                           "topic to free memory, by action (rotate: only consumed records went; shed: the "
                           "memory cap was reached)", ["topic", "action"])
BROKER_SHED_RECORDS = Counter("spyglass_broker_shed_records", "Records (each a batch of spans) the embedded "
                              "broker dropped at its memory cap before every consumer group had read them",
                              ["topic"])
BROKER_SHED_SPANS = Counter("spyglass_broker_shed_spans", "Spans in the records shed at the memory cap, "
                            "estimated from the spans per record of those kept (not ingested, or not scored, "
                            "depending on the group that lagged)", ["topic"])

# evaluators
EVALUATOR_SPANS = Counter("spyglass_evaluator_spans", "Spans scored by an evaluator (rate: spans/s)",
                          ["evaluator"])
EVALUATOR_SECONDS = Histogram("spyglass_evaluator_batch_seconds", "Time one evaluator took for one batch",
                              ["evaluator"], buckets=_SECONDS_BUCKETS)
EVALUATOR_ERRORS = Counter("spyglass_evaluator_errors", "Spans an evaluator failed on (error scores)",
                           ["evaluator"])
EVALUATOR_LAG = Gauge("spyglass_evaluator_lag_seconds", "Age of the oldest record in the batch the evaluators "
                      "scored last (now minus its Kafka timestamp)")
EVALUATOR_TARGET_LAG = Gauge("spyglass_evaluator_target_lag_seconds", "The evaluators' target lag: beyond it "
                             "they score a weighted sample (setting eval_target_lag_s)")
EVALUATOR_SCORED_SHARE = Gauge("spyglass_evaluator_scored_share", "Share of the last batch's spans the "
                               "evaluators scored (1: all; below 1: sampling to hold the lag)")
EVALUATOR_SPANS_SEEN = Counter("spyglass_evaluator_spans_seen", "Spans that reached the evaluators (scored or "
                               "left for backfill)")
EVALUATOR_SPANS_SAMPLED_OUT = Counter("spyglass_evaluator_spans_sampled_out", "Spans left unscored to hold the "
                                      "target lag (`spyglass backfill` scores them later)")
EVALUATIONS_STORED = Counter("spyglass_evaluations_stored", "Evaluation rows written to ClickHouse", ["group"])

# alerts
ALERT_EVALUATIONS = Counter("spyglass_alert_rule_evaluations", "Rule evaluations by the alert engine",
                            ["kind"])
ALERT_TICK_SECONDS = Histogram("spyglass_alert_tick_seconds", "Time one engine tick took (all rules)",
                               buckets=_SECONDS_BUCKETS)
ALERT_TRANSITIONS = Counter("spyglass_alert_transitions", "Alert transitions recorded", ["event", "severity"])
ALERTS_OPEN = Gauge("spyglass_alerts_open", "Open alerts by status (pending, firing)", ["status"])
ALERT_DELIVERIES = Counter("spyglass_alert_deliveries", "Notices handed to a channel (delivered or not), by channel", ["channel", "type"])
ALERT_DELIVERY_FAILURES = Counter("spyglass_alert_delivery_failures", "Notices a channel did not take after "
                                  "all retries", ["channel", "type"])
ALERT_DELIVERY_SECONDS = Histogram("spyglass_alert_delivery_seconds", "Time to deliver one notice, retries "
                                   "included", ["channel"], buckets=_SECONDS_BUCKETS)
ALERT_DELIVERY_QUEUE = Gauge("spyglass_alert_delivery_queue", "Notices waiting for a channel", ["channel"])
ALERTMANAGER_REPOSTS = Counter("spyglass_alertmanager_reposts", "Firing alerts re-posted to Alertmanager to "
                               "keep them active", ["channel"])

# drift
DRIFT_RUNS = Counter("spyglass_drift_runs", "Drift passes by outcome (ok, failed)", ["outcome"])
DRIFT_RUN_SECONDS = Histogram("spyglass_drift_run_seconds", "Time one drift pass took",
                              buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1800))
DRIFT_FEATURES_DRIFTED = Gauge("spyglass_drift_features_drifted", "Drifted features in the last pass")

# API
HTTP_REQUESTS = Counter("spyglass_http_requests", "HTTP requests by route template and status",
                        ["method", "route", "status"])
HTTP_SECONDS = Histogram("spyglass_http_request_seconds", "HTTP request duration by route template",
                         ["method", "route"], buckets=_SECONDS_BUCKETS)
SQL_QUERIES = Counter("spyglass_sql_queries", "Analysts' SQL queries (POST /v1/sql) by outcome: ok or the "
                      "refusal kind", ["outcome"])


def catalogue() -> list[MetricWrapperBase]:
    """Every metric above, in definition order (for the docs and the docs test)."""
    return [value for value in globals().values() if isinstance(value, MetricWrapperBase)]
