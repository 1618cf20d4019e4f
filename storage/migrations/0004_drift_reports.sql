-- Drift reports: one row per (run, project/service/model group, feature). Written by the drift
-- monitor (spyglass.drift), read by GET /v1/drift and by alert rules. model '*' is the whole
-- service (used for the model-mix feature). drifted = p_value < alpha/features AND effect_size >=
-- the method's minimum effect; details holds histograms, quantiles and the thresholds used.
CREATE TABLE IF NOT EXISTS drift_reports
(
    run_id          String,
    computed_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    project         LowCardinality(String),
    service         LowCardinality(String),
    model           LowCardinality(String),
    feature         LowCardinality(String),
    feature_kind    LowCardinality(String),
    method          LowCardinality(String),
    statistic       Float64,
    p_value         Float64,
    effect_size     Float64,
    drifted         Bool,
    reference_start DateTime64(6, 'UTC'),
    reference_end   DateTime64(6, 'UTC'),
    current_start   DateTime64(6, 'UTC'),
    current_end     DateTime64(6, 'UTC'),
    reference_n     UInt64,
    current_n       UInt64,
    details         String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toDate(current_end)
ORDER BY (project, service, model, feature, current_end);

-- Pinned reference windows per project/service/model ('*': every model of the service).
-- Append-only: unpinning inserts pinned = false; readers use FINAL.
CREATE TABLE IF NOT EXISTS drift_baselines
(
    project         LowCardinality(String),
    service         LowCardinality(String),
    model           LowCardinality(String),
    reference_start DateTime64(6, 'UTC'),
    reference_end   DateTime64(6, 'UTC'),
    pinned          Bool,
    set_at          DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(set_at)
ORDER BY (project, service, model);
