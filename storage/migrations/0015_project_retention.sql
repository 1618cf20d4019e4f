-- Per-project retention (issue 16): a project's raw data older than its own number of days is
-- deleted by a scheduled pass (storage/retention.py), on chDB and on a server alike. The global
-- TTL (SPYGLASS_RETENTION_DAYS) still bounds every project; a project's days shorten it.
-- days = 0: no override (the global retention applies). The newest setting per project wins.
CREATE TABLE IF NOT EXISTS project_retention
(
    project  LowCardinality(String),
    days     UInt32,
    key_id   String,
    set_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY project;
