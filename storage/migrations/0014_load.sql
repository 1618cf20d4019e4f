-- Holding under load (issue 22).
--
-- 1. Sampled evaluation. When the evaluators fall behind they score a weighted sample: every
-- evaluation row carries its weight (how many spans of its stratum it stands for; 1 when all
-- were scored). The rollup keeps the weighted sums, so a window's flag rate is the unbiased
-- estimate sum(w * flagged) / sum(w), with a 95 % interval from sum(w (w - 1) ...) (the
-- Horvitz-Thompson variance) and the sample size (evaluated) beside it; scored share =
-- evaluated / sum(w). Rows written before this migration read as weight 1.
ALTER TABLE evaluations ADD COLUMN IF NOT EXISTS weight Float64 DEFAULT 1;

ALTER TABLE evaluations_1m
    ADD COLUMN IF NOT EXISTS weighted SimpleAggregateFunction(sum, Float64) DEFAULT toFloat64(evaluated),
    ADD COLUMN IF NOT EXISTS flagged_weighted SimpleAggregateFunction(sum, Float64) DEFAULT toFloat64(flagged),
    ADD COLUMN IF NOT EXISTS weighted_w2 SimpleAggregateFunction(sum, Float64) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS flagged_w2 SimpleAggregateFunction(sum, Float64) DEFAULT 0;

-- (e.flagged: the column; plain `flagged` would name the count aliased below)
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
    groupBitmapState(insert_batch) AS batches,
    sum(weight) AS weighted,
    sumIf(weight, e.flagged) AS flagged_weighted,
    sum(weight * (weight - 1)) AS weighted_w2,
    sumIf(weight * (weight - 1), e.flagged) AS flagged_w2
FROM evaluations AS e
GROUP BY minute, project, service, model, environment, evaluator;

-- 2. Trace lookups by id. `spans` is sorted by (project, start_time): a trace id alone found its
-- spans through a bloom filter over every granule of every day. trace_index, sorted by trace id,
-- gives a trace's project and time range in one granule, so the spans are then read through the
-- primary key. A trace missing here (an insert cut off before its view ran) is looked up the old way.
CREATE TABLE IF NOT EXISTS trace_index
(
    trace_id     String,
    project      LowCardinality(String),
    first_start  SimpleAggregateFunction(min, DateTime64(6, 'UTC')),
    last_start   SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY tuple()
ORDER BY (trace_id, project);

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_mv TO trace_index AS
SELECT trace_id, project, min(start_time) AS first_start, max(start_time) AS last_start
FROM spans
GROUP BY trace_id, project;

INSERT INTO trace_index
SELECT trace_id, project, min(start_time), max(start_time) FROM spans
WHERE trace_id NOT IN (SELECT trace_id FROM trace_index)
GROUP BY trace_id, project;
