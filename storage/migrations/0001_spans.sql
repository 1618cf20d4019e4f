-- Spans as ingested. ReplacingMergeTree on (project, start_time, span_id): a re-delivered span
-- collapses into one row; readers use FINAL so duplicates never show before a merge.
CREATE TABLE IF NOT EXISTS spans
(
    project           LowCardinality(String),
    trace_id          String,
    span_id           String,
    parent_span_id    String,
    service           LowCardinality(String),
    name              LowCardinality(String),
    kind              LowCardinality(String),
    start_time        DateTime64(6, 'UTC'),
    end_time          DateTime64(6, 'UTC'),
    duration_ms       Float64,
    status            LowCardinality(String),
    error             String CODEC(ZSTD(3)),
    model             LowCardinality(String),
    provider          LowCardinality(String),
    prompt            String CODEC(ZSTD(3)),
    prompt_messages   String CODEC(ZSTD(3)),
    completion        String CODEC(ZSTD(3)),
    prompt_tokens     UInt32,
    completion_tokens UInt32,
    total_tokens      UInt32,
    cost              Float64,
    conversation_id   String,
    user_id           String,
    prompt_name       LowCardinality(String),
    prompt_version    LowCardinality(String),
    context           Array(String) CODEC(ZSTD(3)),
    context_sources   Array(String) CODEC(ZSTD(3)),
    tags              Array(LowCardinality(String)),
    metadata          Map(LowCardinality(String), String) CODEC(ZSTD(3)),
    metadata_num      Map(LowCardinality(String), Float64),
    environment       LowCardinality(String),
    release           LowCardinality(String),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_user user_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_tags tags TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toDate(start_time)
ORDER BY (project, start_time, span_id)
SETTINGS non_replicated_deduplication_window = 1000;
