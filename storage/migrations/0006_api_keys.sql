-- API keys: a project (or '*' for an operator key), scopes, and only a SHA-256 of the secret.
-- The secret is 32 random bytes, so a fast hash is enough: there is nothing to brute-force.
CREATE TABLE IF NOT EXISTS api_keys
(
    key_id      String,
    project     String,
    name        String,
    scopes      Array(LowCardinality(String)),
    secret_hash String,
    created_at  DateTime64(3, 'UTC'),
    revoked_at  Nullable(DateTime64(3, 'UTC')),
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY key_id;
