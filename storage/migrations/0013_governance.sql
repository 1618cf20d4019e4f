-- Governance (issue 16): scores from outside (users' feedback, reviewers, the app's own checks),
-- their per-minute rollup, erasures (so a Kafka replay cannot bring erased data back), the audit
-- log, reviewers' labels of evaluator verdicts, and bias reports.

-- One row per score; score_id (chosen by the sender) makes a re-delivered score collapse.
-- data_type: numeric | boolean | categorical. value holds numbers and booleans (1/0); category
-- holds the categorical value. service/model/environment/user_id are copied from the scored
-- span (or the trace's first span) at ingest, so rollups can group by model.
CREATE TABLE IF NOT EXISTS scores
(
    project      LowCardinality(String),
    score_id     String,
    trace_id     String,
    span_id      String,
    name         LowCardinality(String),
    data_type    LowCardinality(String),
    value        Nullable(Float64),
    category     LowCardinality(String),
    comment      String CODEC(ZSTD(3)),
    source       LowCardinality(String),
    author       String,
    service      LowCardinality(String),
    model        LowCardinality(String),
    environment  LowCardinality(String),
    user_id      String,
    scored_at    DateTime64(3, 'UTC'),
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_score_id score_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(scored_at)
ORDER BY (project, name, scored_at, score_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Per-minute rollups of outside scores: counts and sums only, no text, no user ids.
-- negative: a boolean false or a number <= 0 (thumbs down); its share is the alertable rate.
CREATE TABLE IF NOT EXISTS scores_1m
(
    minute       DateTime('UTC'),
    project      LowCardinality(String),
    service      LowCardinality(String),
    model        LowCardinality(String),
    environment  LowCardinality(String),
    name         LowCardinality(String),
    source       LowCardinality(String),
    category     LowCardinality(String),
    scores       SimpleAggregateFunction(sum, UInt64),
    valued       SimpleAggregateFunction(sum, UInt64),
    value_sum    SimpleAggregateFunction(sum, Float64),
    negative     SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (project, name, minute, service, model, environment, source, category);

CREATE MATERIALIZED VIEW IF NOT EXISTS scores_1m_mv TO scores_1m AS
SELECT
    toStartOfMinute(scored_at) AS minute,
    project, service, model, environment, name, source, category,
    count() AS scores,
    count(value) AS valued,
    sum(ifNull(value, 0)) AS value_sum,
    countIf(isNotNull(value) AND value <= 0) AS negative
FROM scores
GROUP BY minute, project, service, model, environment, name, source, category;

-- Erased users and traces. Ingest and the score consumer drop rows naming them, so replaying
-- the topic from the beginning cannot bring them back. kind: user | trace.
CREATE TABLE IF NOT EXISTS erasures
(
    project    LowCardinality(String),
    kind       LowCardinality(String),
    subject    String,
    key_id     String,
    removed    String,
    erased_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(erased_at)
ORDER BY (project, kind, subject);

-- Append-only audit log: who did what to which object, from where. Never prompt text or PII:
-- targets are ids, SQL is recorded as a hash of its normalized form.
CREATE TABLE IF NOT EXISTS audit_log
(
    at          DateTime64(3, 'UTC') DEFAULT now64(3),
    key_id      String,
    project     LowCardinality(String),
    action      LowCardinality(String),
    target      String,
    status      UInt16,
    client      String,
    sql_hash    String,
    rows        Nullable(UInt64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (project, at);

-- A reviewer's verdict on an evaluator's verdict: correct = the evaluator was right.
-- flagged is the evaluator's flag being judged (copied, so agreement needs no join).
CREATE TABLE IF NOT EXISTS review_labels
(
    project     LowCardinality(String),
    trace_id    String,
    span_id     String,
    evaluator   LowCardinality(String),
    version     LowCardinality(String),
    flagged     Bool,
    correct     Bool,
    reviewer    String,
    comment     String CODEC(ZSTD(3)),
    span_start  DateTime64(6, 'UTC'),
    labelled_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(labelled_at)
ORDER BY (project, evaluator, version, span_id);

-- Bias reports: one row per (run, dimension, segment, outcome) comparison against the rest.
CREATE TABLE IF NOT EXISTS bias_reports
(
    run_id       String,
    computed_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    project      LowCardinality(String),
    dimension    LowCardinality(String),
    segment      String,
    outcome      LowCardinality(String),
    segment_n    UInt64,
    rest_n       UInt64,
    segment_rate Float64,
    rest_rate    Float64,
    rate_ratio   Float64,
    p_value      Float64,
    p_adjusted   Float64,
    disparate    Bool,
    window_start DateTime64(6, 'UTC'),
    window_end   DateTime64(6, 'UTC')
)
ENGINE = MergeTree
PARTITION BY toDate(computed_at)
ORDER BY (project, dimension, outcome, computed_at);
