"""spyglass.broker: the Kafka side — topics, client settings, and the embedded Tansu broker."""

from spyglass.broker.embedded import EmbeddedBroker
from spyglass.broker.errors import BrokerError
from spyglass.broker.topics import DLQ_TOPIC, SPANS_TOPIC, ensure_topics, make_consumer, make_producer

__all__ = ["DLQ_TOPIC", "SPANS_TOPIC", "BrokerError", "EmbeddedBroker", "ensure_topics",
           "make_consumer", "make_producer"]
