-- Exact rollups after a crash. ClickHouse writes a materialized view's rows after the source
-- table's part, not atomically with it: a process killed between the two leaves that insert's
-- rows stored but missing from the rollup. So every span and evaluation records the insert it
-- came in (insert_batch: a hash of the insert's de-duplication token, filled in by ClickHouse),
-- and every rollup row records the inserts it counts (batches). When ingest or the evaluators
-- replay rows they find already stored, they add the (key, insert) pairs the rollup lacks
-- (storage/rollups.py).
ALTER TABLE spans ADD COLUMN IF NOT EXISTS
    insert_batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

ALTER TABLE spans ADD INDEX IF NOT EXISTS idx_insert_batch insert_batch TYPE bloom_filter(0.01) GRANULARITY 4;

ALTER TABLE spans_1m ADD COLUMN IF NOT EXISTS batches AggregateFunction(groupBitmap, UInt64);

-- a repair inserted twice (two workers, one insert) counts once
ALTER TABLE spans_1m MODIFY SETTING non_replicated_deduplication_window = 1000;

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
    groupBitmapState(insert_batch) AS batches
FROM spans
GROUP BY minute, project, service, model, environment;

ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS
    insert_batch UInt64 DEFAULT cityHash64(getSetting('insert_deduplication_token'));

ALTER TABLE evaluations ADD INDEX IF NOT EXISTS idx_insert_batch insert_batch TYPE bloom_filter(0.01) GRANULARITY 4;

ALTER TABLE evaluations_1m ADD COLUMN IF NOT EXISTS batches AggregateFunction(groupBitmap, UInt64);

ALTER TABLE evaluations_1m MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE evaluations_1m_mv MODIFY QUERY
SELECT
    toStartOfMinute(span_start) AS minute,
    project, service, model, environment, evaluator,
    count() AS evaluated,
    countIf(flagged) AS flagged,
    countIf(label = 'error') AS errors,
    count(score) AS scored,
    sum(ifNull(score, 0)) AS score_sum,
    max(ifNull(score, 0)) AS score_max,
    quantilesTDigestStateIf(0.5, 0.9, 0.99)(ifNull(score, 0), isNotNull(score)) AS score_q,
    groupBitmapState(insert_batch) AS batches
FROM evaluations
GROUP BY minute, project, service, model, environment, evaluator;
