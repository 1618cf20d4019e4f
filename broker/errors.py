"""Broker errors, translated from kafka-python's at the boundary."""

from spyglass.storage.errors import SpyglassError


class BrokerError(SpyglassError):
    """The Kafka broker could not be reached or refused an operation."""
