"""Storage errors, under the project's root (``spyglass.core.errors``)."""

from spyglass.core.errors import ConfigError, SpyglassError

__all__ = ["ConfigError", "SpyglassError", "StorageError"]


class StorageError(SpyglassError):
    """ClickHouse refused or failed an operation; the driver's error is the __cause__."""
