"""Records carried over into a recreated topic, held on disk while the topic is deleted and created.

Under load the records some group still needs are hundreds of megabytes. Held as Python bytes
they raised the process's resident memory by about that much at every recreation, and glibc kept
most of it: the stack's memory grew with each one. A temporary file holds them instead, so a
recreation costs the process one record at a time.

Each record keeps its offset in the topic it came from: the rotation sends it on in the header
``CARRIED_FROM``, so a consumer group that had stored it already skips it unparsed
(``ingest/consumer.py``) instead of decoding it again only to drop every span as a duplicate.
"""

from __future__ import annotations

import struct
import tempfile
from typing import Iterator

_HEADER = struct.Struct("<iiiq")  # partition, key length, value length (-1: None), offset
CARRIED_FROM = "spyglass-carried-from"  # a carried record's offset in the topic it came from


class CarrySpool:
    """An append-then-read file of (partition, key, value, offset) records; ``close`` removes it."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="spyglass-carry-")
        self.count = 0
        self.spans = 0  # spans in the records (each span of the wire format names its span_id)

    def add(self, partition: int, key: bytes | None, value: bytes | None, offset: int) -> None:
        self._file.write(_HEADER.pack(partition, -1 if key is None else len(key), -1 if value is None else len(value),
                                      offset))
        for part in (key, value):
            if part:
                self._file.write(part)
        self.spans += value.count(b'"span_id"') if value else 0
        self.count += 1

    def __iter__(self) -> Iterator[tuple[int, bytes | None, bytes | None, int]]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.count):
            partition, key_len, value_len, offset = _HEADER.unpack(self._file.read(_HEADER.size))
            key = self._file.read(key_len) if key_len >= 0 else None
            value = self._file.read(value_len) if value_len >= 0 else None
            yield partition, key, value, offset

    def close(self) -> None:
        self._file.close()
