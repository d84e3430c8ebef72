"""confluent-kafka (1.7.0 on librdkafka) against a Weir broker: one operation per invocation, JSON on stdout.

Usage: confluent_client.py BOOTSTRAP OPERATION [ARGS...]
Exit 0 with a JSON result, 1 when a check inside failed, 3 when a Python module is missing.
Consumers use assign() with explicit offsets: the group id librdkafka insists on is never joined.
"""
import json
import sys
import time

try:
    import confluent_kafka
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic
except ImportError as e:  # pragma: no cover - environment problem
    print(f"missing Python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)

BASE_CONFIG = {"broker.address.family": "v4", "api.version.request": True}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def config(bootstrap, **extra):
    c = {"bootstrap.servers": bootstrap, **BASE_CONFIG}
    c.update({k.replace("_", "."): v for k, v in extra.items()})
    return c


def partitions_of(bootstrap, topic):
    md = AdminClient(config(bootstrap)).list_topics(timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return sorted(t.partitions)


def produce(bootstrap, topic, count, partition=None, **extra):
    producer = Producer(config(bootstrap, **{"acks": "all", "linger_ms": 5, **extra}))
    delivered = []
    errors = []

    def on_delivery_of(headers):
        # Delivery reports do not carry headers back: remember the ones sent.
        def on_delivery(err, msg):
            if err is not None:
                errors.append(str(err))
            else:
                delivered.append((msg.partition(), msg.offset(), msg.key(), msg.value(), headers))

        return on_delivery

    for i in range(count):
        key = f"key-{i % 37}".encode()
        value = f"value-{i}".encode() * (1 + i % 3)
        headers = [("source", b"confluent-kafka"), ("index", str(i).encode()), ("empty", b"")]
        kwargs = {} if partition is None else {"partition": partition}
        while True:
            try:
                producer.produce(topic, key=key, value=value, headers=headers, on_delivery=on_delivery_of(headers), **kwargs)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(60)
    if remaining or errors:
        fail(f"{remaining} undelivered, errors: {errors[:5]}")
    return delivered


def consume_all(bootstrap, topic, partitions, expected):
    consumer = Consumer(config(bootstrap, group_id="weir-unused", enable_auto_commit=False, enable_partition_eof=False))
    got = []
    try:
        consumer.assign([TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
        deadline = time.time() + 60
        while len(got) < expected and time.time() < deadline:
            for msg in consumer.consume(num_messages=10000, timeout=0.5):
                if msg.error() is not None:
                    fail(f"consume error: {msg.error()}")
                got.append((msg.partition(), msg.offset(), msg.key(), msg.value(), msg.headers()))
    finally:
        consumer.close()
    return got


def check_identical(delivered, got):
    if len(got) != len(delivered):
        fail(f"consumed {len(got)} of {len(delivered)} records")
    by_position = {(p, o): (k, v, h) for p, o, k, v, h in got}
    for p, o, k, v, h in delivered:
        if by_position.get((p, o)) != (k, v, h):
            fail(f"record at {p}/{o}: sent {(k, v, h)!r}, consumed {by_position.get((p, o))!r}")
    per_partition = {}
    for p, o, *_ in sorted(got):
        per_partition.setdefault(p, []).append(o)
    for p, offsets in per_partition.items():
        if offsets != list(range(len(offsets))):
            fail(f"partition {p} offsets are not 0..n-1")
    return {str(p): len(o) for p, o in per_partition.items()}


def op_versions(bootstrap):
    return {"confluent_kafka": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0]}


def op_roundtrip(bootstrap, topic, codec, count):
    delivered = produce(bootstrap, topic, int(count), compression_type=codec)
    got = consume_all(bootstrap, topic, partitions_of(bootstrap, topic), len(delivered))
    return {"consumed": len(got), "per_partition": check_identical(delivered, got)}


def op_idempotent(bootstrap, topic, count):
    """An idempotent acks=all producer: every record exactly once, in produce order per partition."""
    count = int(count)
    delivered = produce(bootstrap, topic, count, enable_idempotence=True, max_in_flight_requests_per_connection=5, linger_ms=1, batch_num_messages=50)
    got = consume_all(bootstrap, topic, partitions_of(bootstrap, topic), count)
    per_partition = check_identical(delivered, got)
    indexes = {}
    for p, o, k, v, h in sorted(got):
        indexes.setdefault(p, []).append(int(dict(h)["index"]))
    for p, seq in indexes.items():
        if seq != sorted(seq):
            fail(f"partition {p} holds records out of produce order")
    seen = sorted(i for seq in indexes.values() for i in seq)
    if seen != list(range(count)):
        fail("records missing or duplicated")
    return {"consumed": len(got), "per_partition": per_partition}


def future_error(future):
    try:
        future.result()
        return None
    except KafkaException as e:
        return e.args[0].name()


def op_admin(bootstrap, topic):
    admin = AdminClient(config(bootstrap))
    result = {}
    result["create"] = future_error(admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)], operation_timeout=10)[topic])
    result["create_again"] = future_error(admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic])
    result["after_create"] = partitions_of(bootstrap, topic)
    result["validate_only"] = future_error(admin.create_partitions([NewPartitions(topic, 6)], validate_only=True)[topic])
    result["after_validate_only"] = partitions_of(bootstrap, topic)
    result["grow"] = future_error(admin.create_partitions([NewPartitions(topic, 5)])[topic])
    result["after_grow"] = partitions_of(bootstrap, topic)
    result["explicit"] = future_error(admin.create_partitions([NewPartitions(topic, 6, replica_assignment=[[1]])])[topic])
    result["bad_broker"] = future_error(admin.create_partitions([NewPartitions(topic, 7, replica_assignment=[[7]])])[topic])
    result["shrink"] = future_error(admin.create_partitions([NewPartitions(topic, 2)])[topic])
    result["missing_topic"] = future_error(admin.create_partitions([NewPartitions(topic + "-missing", 2)])[topic + "-missing"])
    result["after_errors"] = partitions_of(bootstrap, topic)
    result["delete"] = future_error(admin.delete_topics([topic], operation_timeout=10)[topic])
    result["after_delete"] = partitions_of(bootstrap, topic)
    result["delete_again"] = future_error(admin.delete_topics([topic])[topic])
    return result


def op_offsets(bootstrap, topic):
    base = 1_700_000_000_000
    producer = Producer(config(bootstrap, acks="all"))
    for i in range(10):
        producer.produce(topic, value=f"v{i}".encode(), partition=0, timestamp=base + i * 1000)
    if producer.flush(30):
        fail("records not delivered")
    consumer = Consumer(config(bootstrap, group_id="weir-unused", enable_auto_commit=False))
    try:
        tp = TopicPartition(topic, 0)

        def found(ts):
            return consumer.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0].offset

        return {
            "watermarks": list(consumer.get_watermark_offsets(tp, timeout=10, cached=False)),
            "at_0": found(base),
            "between_4_5": found(base + 4500),
            "at_9": found(base + 9000),
            "after_last": found(base + 9001),
        }
    finally:
        consumer.close()


OPERATIONS = {
    "versions": op_versions,
    "roundtrip": op_roundtrip,
    "idempotent": op_idempotent,
    "admin": op_admin,
    "offsets": op_offsets,
}

if __name__ == "__main__":
    bootstrap, operation, *args = sys.argv[1:]
    print(json.dumps(OPERATIONS[operation](bootstrap, *args), separators=(",", ":")))
