-- Alerting: rules (from files and the API), every alert transition, acknowledgements, silences
-- and delivery results. Times are UTC; `seq` orders events written in the same millisecond.
CREATE TABLE IF NOT EXISTS alert_rules
(
    id          String,
    name        String,
    body        String CODEC(ZSTD(3)),
    source      LowCardinality(String),
    deleted     Bool DEFAULT false,
    version     UInt64,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS alert_events
(
    seq         UInt64,
    at          DateTime64(3, 'UTC'),
    alert_id    String,
    dedup_key   String,
    rule_id     String,
    rule_name   String,
    severity    LowCardinality(String),
    event       LowCardinality(String),
    status      LowCardinality(String),
    labels      Map(String, String),
    value       Float64,
    threshold   Float64,
    samples     UInt64,
    z_score     Float64,
    silenced    Bool,
    notified    Bool,
    since       DateTime64(3, 'UTC'),
    fired_at    Nullable(DateTime64(3, 'UTC')),
    notified_at Nullable(DateTime64(3, 'UTC')),
    acked_at    Nullable(DateTime64(3, 'UTC')),
    resolved_at Nullable(DateTime64(3, 'UTC')),
    summary     String,
    INDEX idx_alert_id alert_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (dedup_key, seq);

CREATE TABLE IF NOT EXISTS alert_acks
(
    alert_id    String,
    at          DateTime64(3, 'UTC') DEFAULT now64(3),
    acked_by    String,
    comment     String
)
ENGINE = MergeTree
ORDER BY (alert_id, at);

CREATE TABLE IF NOT EXISTS alert_silences
(
    id          String,
    matchers    String,
    starts_at   DateTime64(3, 'UTC'),
    ends_at     DateTime64(3, 'UTC'),
    created_by  String,
    comment     String,
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS alert_deliveries
(
    at          DateTime64(3, 'UTC'),
    alert_id    String,
    dedup_key   String,
    event       LowCardinality(String),
    channel     String,
    channel_type LowCardinality(String),
    ok          Bool,
    attempts    UInt32,
    http_status UInt16,
    error       String,
    duration_ms Float64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (alert_id, at);
