-- A span is (project, trace_id, span_id): span ids are unique only within a trace. Until now
-- `spans` and `evaluations` collapsed rows on span_id alone (with the start time), so two traces
-- of one project that reused a span id at the same instant kept one row. ClickHouse cannot change
-- a sorting key in place: each table is copied into one keyed on the identity, the two are
-- exchanged, and the old one dropped. Columns, defaults and indexes come from the table itself
-- (CREATE ... AS); the retention TTL is set again after every migration run (storage/schema.py).
-- The materialized views follow the table's name, so spans_1m and evaluations_1m keep counting
-- the new tables; the copy is not an insert into the views' source, so it counts nothing twice.
-- Safe to run again from any statement: the copy always starts from an empty table and takes
-- everything `spans` holds at the time. Stop ingest and the evaluators while it runs (`spyglass
-- migrate`; `spyglass up` migrates before they start): rows inserted during the copy would stay
-- in the dropped table.
DROP TABLE IF EXISTS spans_0008;

CREATE TABLE spans_0008 AS spans
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(start_time)
ORDER BY (project, start_time, span_id, trace_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO spans_0008 SELECT * FROM spans;

EXCHANGE TABLES spans AND spans_0008;

DROP TABLE spans_0008;

DROP TABLE IF EXISTS evaluations_0008;

CREATE TABLE evaluations_0008 AS evaluations
ENGINE = ReplacingMergeTree(evaluated_at)
PARTITION BY toDate(span_start)
ORDER BY (project, evaluator, version, span_start, span_id, trace_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO evaluations_0008 SELECT * FROM evaluations;

EXCHANGE TABLES evaluations AND evaluations_0008;

DROP TABLE evaluations_0008;
