"""The project's exception hierarchy root and storage errors."""


class SpyglassError(Exception):
    """Base of every error Spyglass raises on purpose."""


class StorageError(SpyglassError):
    """ClickHouse refused or failed an operation; the driver's error is the __cause__."""


class ConfigError(SpyglassError):
    """A setting has a bad value; the message names the variable and the fix."""
