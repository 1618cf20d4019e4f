-- Cache and reasoning token counts as their own columns, so usage and cost stay right with prompt
-- caching: cache_read_tokens and cache_write_tokens are parts of prompt_tokens, reasoning_tokens
-- a part of completion_tokens (each priced at its own rate, see ingest/prices.py).
ALTER TABLE spans
    ADD COLUMN IF NOT EXISTS cache_read_tokens UInt32 DEFAULT 0 AFTER total_tokens,
    ADD COLUMN IF NOT EXISTS cache_write_tokens UInt32 DEFAULT 0 AFTER cache_read_tokens,
    ADD COLUMN IF NOT EXISTS reasoning_tokens UInt32 DEFAULT 0 AFTER cache_write_tokens;

-- Added last, so the view's query below lists its columns in the table's order: the rollup
-- repair (storage/rollups.py) inserts the view's own query by position.
ALTER TABLE spans_1m
    ADD COLUMN IF NOT EXISTS cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    ADD COLUMN IF NOT EXISTS cache_write_tokens SimpleAggregateFunction(sum, UInt64),
    ADD COLUMN IF NOT EXISTS reasoning_tokens SimpleAggregateFunction(sum, UInt64);

ALTER TABLE spans_1m_mv MODIFY QUERY
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
    sum(cost) AS cost,
    groupBitmapState(insert_batch) AS batches,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(reasoning_tokens) AS reasoning_tokens
FROM spans
GROUP BY minute, project, service, model, environment;
