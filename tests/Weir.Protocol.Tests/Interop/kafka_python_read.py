"""Reads each file given (one v2 batch) with kafka-python and prints one JSON line per file:
the CRC check, header fields and every record. Usage: kafka_python_read.py FILE..."""
import json
import sys

from kafka_python_common import DefaultRecordBatch, to_hex

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    batch = DefaultRecordBatch(data)
    result = {
        "file": path,
        "crc_valid": batch.validate_crc(),
        "magic": batch.magic,
        "base_offset": batch.base_offset,
        "compression": batch.compression_type,
        "timestamp_type": batch.timestamp_type,
        "transactional": batch.is_transactional,
        "control": batch.is_control_batch,
        "last_offset_delta": batch.last_offset_delta,
        "max_timestamp": batch.max_timestamp,
        "records": [
            {"offset": r.offset, "timestamp": r.timestamp, "key": to_hex(r.key), "value": to_hex(r.value),
             "headers": [[hk, to_hex(hv)] for hk, hv in r.headers]}
            for r in batch
        ],
    }
    print(json.dumps(result))
