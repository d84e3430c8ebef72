"""confluent-kafka 1.7.0 (librdkafka) group consumer against Weir: subscribe, consume everything,
commit synchronously, read the commits back, and a second consumer of the group resumes after them.
Exits non-zero with a reason on failure; prints a JSON summary on success.
Usage: confluent_group.py BOOTSTRAP TOPIC"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2]
GROUP = TOPIC + "-cg"
DEADLINE_S = 60


def fail(message):
    print("FAIL: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def produce(start, count):
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "broker.address.family": "v4"})
    for i in range(start, start + count):
        producer.produce(TOPIC, value=f"v{i}".encode(), key=f"k{i}".encode())
    if producer.flush(30) != 0:
        fail("produce did not complete")


def consumer():
    c = Consumer({
        "bootstrap.servers": BOOTSTRAP, "broker.address.family": "v4", "group.id": GROUP,
        "auto.offset.reset": "earliest", "enable.auto.commit": False, "session.timeout.ms": 6000,
    })
    c.subscribe([TOPIC])
    return c


def consume(c, count):
    got = []
    end = time.monotonic() + DEADLINE_S
    while len(got) < count:
        if time.monotonic() > end:
            fail(f"consumed {len(got)} of {count} records before the deadline")
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            fail("consume error: " + str(m.error()))
        got.append((m.partition(), m.offset(), m.value().decode()))
    return got


produce(0, 100)
c = consumer()
first = consume(c, 100)
if sorted(int(v[1:]) for _, _, v in first) != list(range(100)):
    fail("first consumer did not get exactly v0..v99")
c.commit(asynchronous=False)
next_offsets = {}
for p, o, _ in first:
    next_offsets[p] = max(next_offsets.get(p, 0), o + 1)
committed = c.committed([TopicPartition(TOPIC, p) for p in sorted(next_offsets)], timeout=10)
for tp in committed:
    if tp.error or tp.offset != next_offsets[tp.partition]:
        fail(f"committed {tp} but consumed up to {next_offsets[tp.partition]}")
c.close()

produce(100, 10)
c = consumer()
second = consume(c, 10)
c.close()
if sorted(int(v[1:]) for _, _, v in second) != list(range(100, 110)):
    fail("the second consumer did not resume at the committed offsets: " + str(second))

print(json.dumps({"first": len(first), "second": len(second), "committed": {str(k): v for k, v in next_offsets.items()}}))
