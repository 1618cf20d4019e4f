"""Storage's errors; the tree's root lives in ``spyglass.core.errors`` (re-exported here for old imports)."""

from spyglass.core.errors import ConfigError, SpyglassError, Unavailable

__all__ = ["ConfigError", "SpyglassError", "StorageError"]


class StorageError(Unavailable):
    """ClickHouse refused or failed an operation; the driver's error is the __cause__."""
