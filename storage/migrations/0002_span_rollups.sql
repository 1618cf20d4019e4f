-- Per-minute rollups by project/service/model/environment, filled on insert by a
-- materialized view. Ingest filters re-delivered spans before inserting, so the sums are exact.
CREATE TABLE IF NOT EXISTS spans_1m
(
    minute            DateTime('UTC'),
    project           LowCardinality(String),
    service           LowCardinality(String),
    model             LowCardinality(String),
    environment       LowCardinality(String),
    spans             SimpleAggregateFunction(sum, UInt64),
    llm_calls         SimpleAggregateFunction(sum, UInt64),
    errors            SimpleAggregateFunction(sum, UInt64),
    latency_ms        AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Float64),
    latency_ms_sum    SimpleAggregateFunction(sum, Float64),
    latency_ms_max    SimpleAggregateFunction(max, Float64),
    prompt_tokens     SimpleAggregateFunction(sum, UInt64),
    completion_tokens SimpleAggregateFunction(sum, UInt64),
    total_tokens      SimpleAggregateFunction(sum, UInt64),
    cost              SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (project, minute, service, model, environment);

CREATE MATERIALIZED VIEW IF NOT EXISTS spans_1m_mv TO spans_1m AS
SELECT
    toStartOfMinute(start_time) AS minute,
    project, service, model, environment,
    count() AS spans,
    countIf(kind = 'llm') AS llm_calls,
    countIf(status = 'error') AS errors,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(duration_ms) AS latency_ms,
    sum(duration_ms) AS latency_ms_sum,
    max(duration_ms) AS latency_ms_max,
    sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens,
    sum(total_tokens) AS total_tokens,
    sum(cost) AS cost
FROM spans
GROUP BY minute, project, service, model, environment;
