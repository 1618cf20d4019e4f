"""The root of the project's exception tree."""


class SpyglassError(Exception):
    """Base of every error Spyglass raises on purpose."""


class ConfigError(SpyglassError):
    """A setting has a bad value; the message names the variable and the fix."""
