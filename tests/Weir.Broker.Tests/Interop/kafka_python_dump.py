"""Reads one partition from offset 0 to its end with kafka-python and prints every record as JSON.

Usage: kafka_python_dump.py BOOTSTRAP TOPIC PARTITION
Prints {"records": [[offset, key_hex_or_null, value_hex_or_null], ...]}; exit 1 when the end is
not reached within 60 s, 3 when a Python module is missing. kafka-python checks CRCs and raises
on a corrupt batch, which fails the script (and the test).
"""
import json
import sys
import time

try:
    from kafka import KafkaConsumer, TopicPartition
except ImportError as e:  # pragma: no cover - environment problem
    print(f"missing Python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)

BOOTSTRAP, TOPIC, PARTITION = sys.argv[1], sys.argv[2], int(sys.argv[3])
tp = TopicPartition(TOPIC, PARTITION)
consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, consumer_timeout_ms=1000)
try:
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    end = consumer.end_offsets([tp])[tp]
    records = []
    deadline = time.time() + 60
    while consumer.position(tp) < end:
        if time.time() > deadline:
            print(f"position {consumer.position(tp)} did not reach {end}", file=sys.stderr)
            sys.exit(1)
        for batch in consumer.poll(timeout_ms=500).values():
            for r in batch:
                records.append([r.offset, None if r.key is None else r.key.hex(), None if r.value is None else r.value.hex()])
    print(json.dumps({"records": records}))
finally:
    consumer.close()
