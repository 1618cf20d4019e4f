-- Evaluator scores, one row per (span, evaluator, version). ReplacingMergeTree: a re-scored span
-- collapses into one row per evaluator version; readers use FINAL. score is NULL when the
-- evaluator failed (label 'error') or the span was not evaluable (label 'not_evaluable').
CREATE TABLE IF NOT EXISTS evaluations
(
    project      LowCardinality(String),
    trace_id     String,
    span_id      String,
    service      LowCardinality(String),
    model        LowCardinality(String),
    environment  LowCardinality(String),
    span_start   DateTime64(6, 'UTC'),
    evaluator    LowCardinality(String),
    version      LowCardinality(String),
    score        Nullable(Float64),
    label        LowCardinality(String),
    flagged      Bool,
    details      String CODEC(ZSTD(3)),
    evaluated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(evaluated_at)
PARTITION BY toDate(span_start)
ORDER BY (project, evaluator, version, span_start, span_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Per-minute quality rollups by the minute the span started (alerts and dashboards read these).
CREATE TABLE IF NOT EXISTS evaluations_1m
(
    minute       DateTime('UTC'),
    project      LowCardinality(String),
    service      LowCardinality(String),
    model        LowCardinality(String),
    environment  LowCardinality(String),
    evaluator    LowCardinality(String),
    evaluated    SimpleAggregateFunction(sum, UInt64),
    flagged      SimpleAggregateFunction(sum, UInt64),
    errors       SimpleAggregateFunction(sum, UInt64),
    scored       SimpleAggregateFunction(sum, UInt64),
    score_sum    SimpleAggregateFunction(sum, Float64),
    score_max    SimpleAggregateFunction(max, Float64),
    score_q      AggregateFunction(quantilesTDigest(0.5, 0.9, 0.99), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (project, evaluator, minute, service, model, environment);

CREATE MATERIALIZED VIEW IF NOT EXISTS evaluations_1m_mv TO evaluations_1m AS
SELECT
    toStartOfMinute(span_start) AS minute,
    project, service, model, environment, evaluator,
    count() AS evaluated,
    countIf(flagged) AS flagged,
    countIf(label = 'error') AS errors,
    count(score) AS scored,
    sum(ifNull(score, 0)) AS score_sum,
    max(ifNull(score, 0)) AS score_max,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(ifNull(score, 0), isNotNull(score)) AS score_q
FROM evaluations
GROUP BY minute, project, service, model, environment, evaluator;
