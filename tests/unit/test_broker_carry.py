"""Records carried over a topic's recreation come back from disk exactly as they went in."""

from spyglass.broker.carry import CarrySpool


def test_records_come_back_in_order_with_none_keys_and_values():
    spool = CarrySpool()
    records = [(0, None, b'{"spans": [{"span_id": "a"}, {"span_id": "b"}]}', 7), (3, b"key", b"", 0),
               (1, b"k2", None, 2**40), (2, None, b"x" * 1_000_000, 12)]
    for record in records:
        spool.add(*record)
    assert list(spool) == records
    assert list(spool) == list(spool)  # read again from the start
    assert spool.count == 4 and spool.spans == 2
    spool.close()
