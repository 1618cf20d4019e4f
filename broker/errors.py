"""Broker errors, translated from kafka-python's at the boundary."""

from spyglass.core.errors import Unavailable


class BrokerError(Unavailable):
    """The Kafka broker could not be reached or refused an operation."""
