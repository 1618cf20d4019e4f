"""spyglass.storage: ClickHouse schema, migrations and named queries. Knows nothing of Kafka or HTTP."""

from spyglass.storage.errors import ConfigError, SpyglassError, StorageError
from spyglass.storage.schema import migrate
from spyglass.storage.store import Store

__all__ = ["ConfigError", "SpyglassError", "Store", "StorageError", "migrate"]
