-- The web console's session-signing secret, kept with the data so every API process of a
-- deployment (and every restart) signs and accepts the same session cookies.
CREATE TABLE IF NOT EXISTS console_secrets
(
    name       String,
    secret     String,
    created_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = MergeTree
ORDER BY (name, created_at);
