"""kafka-python (2.0.2) against a Weir broker: one operation per invocation, JSON on stdout.

Usage: kafka_python_client.py BOOTSTRAP OPERATION [ARGS...]
Exit 0 with a JSON result, 1 when a check inside failed, 3 when a Python module is missing.
No api_version is passed anywhere: the client probes the broker's version itself.
"""
import json
import sys
import time

try:
    import kafka
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewPartitions, NewTopic
    from kafka.protocol.api import Request, Response
    from kafka.protocol.types import Array, Int16, Int32, Int64, Schema, String
    import kafka.errors as errors
except ImportError as e:  # pragma: no cover - environment problem
    print(f"missing Python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)

CODEC_MODULES = {"gzip": "gzip", "snappy": "snappy", "lz4": "lz4", "zstd": "zstandard"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


# kafka-python 2.0.2 has no DeleteRecords or OffsetForLeaderEpoch API: declare the wire structs
# with its own protocol types and send them through the admin client's connection.
class DeleteRecordsResponse_v0(Response):
    API_KEY = 21
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", Array(("name", String("utf-8")), ("partitions", Array(("partition_index", Int32), ("low_watermark", Int64), ("error_code", Int16))))),
    )


class DeleteRecordsRequest_v0(Request):
    API_KEY = 21
    API_VERSION = 0
    RESPONSE_TYPE = DeleteRecordsResponse_v0
    SCHEMA = Schema(
        ("topics", Array(("name", String("utf-8")), ("partitions", Array(("partition_index", Int32), ("offset", Int64))))),
        ("timeout_ms", Int32),
    )


class OffsetForLeaderEpochResponse_v2(Response):
    API_KEY = 23
    API_VERSION = 2
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("topics", Array(("topic", String("utf-8")), ("partitions", Array(("error_code", Int16), ("partition", Int32), ("leader_epoch", Int32), ("end_offset", Int64))))),
    )


class OffsetForLeaderEpochRequest_v2(Request):
    API_KEY = 23
    API_VERSION = 2
    RESPONSE_TYPE = OffsetForLeaderEpochResponse_v2
    SCHEMA = Schema(
        ("topics", Array(("topic", String("utf-8")), ("partitions", Array(("partition", Int32), ("current_leader_epoch", Int32), ("leader_epoch", Int32))))),
    )


def admin(bootstrap):
    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="weir-kafka-python")


def send_raw(client, request):
    future = client._send_request_to_node(client._client.least_loaded_node(), request)
    client._wait_for_futures([future])
    return future.value


def partitions_of(bootstrap, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        consumer.topics()  # forces a fresh metadata fetch
        found = consumer.partitions_for_topic(topic)
        return sorted(found) if found is not None else None
    finally:
        consumer.close()


def op_probe(bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return {"api_version": list(consumer.config["api_version"]), "kafka_python": kafka.__version__}
    finally:
        consumer.close()


def op_create_topic(bootstrap, topic, partitions):
    client = admin(bootstrap)
    try:
        client.create_topics([NewTopic(topic, int(partitions), 1)])
    finally:
        client.close()
    return {"partitions": partitions_of(bootstrap, topic)}


def op_delete_topic(bootstrap, topic):
    client = admin(bootstrap)
    try:
        client.delete_topics([topic])
        listed = client.list_topics()
    finally:
        client.close()
    return {"listed": topic in listed, "partitions": partitions_of(bootstrap, topic)}


def op_create_partitions(bootstrap, topic, count):
    client = admin(bootstrap)
    result = {}
    try:
        client.create_partitions({topic: NewPartitions(int(count))}, validate_only=True)
        result["after_validate_only"] = partitions_of(bootstrap, topic)
        client.create_partitions({topic: NewPartitions(int(count))})
        result["after_create"] = partitions_of(bootstrap, topic)
        for name, attempt in (("same_count", {topic: NewPartitions(int(count))}), ("unknown_topic", {topic + "-missing": NewPartitions(2)})):
            try:
                client.create_partitions(attempt)
                result[name] = "no error"
            except errors.KafkaError as e:
                result[name] = type(e).__name__
    finally:
        client.close()
    return result


def produce(bootstrap, topic, codec, count, **extra):
    producer = KafkaProducer(bootstrap_servers=bootstrap, compression_type=None if codec == "none" else codec, acks="all", linger_ms=5, **extra)
    sent = []
    try:
        futures = []
        for i in range(count):
            key = f"key-{i % 37}".encode()
            value = f"value-{i}-{codec}".encode() * (1 + i % 3)
            headers = [("source", b"kafka-python"), ("index", str(i).encode()), ("empty", b"")]
            futures.append((key, value, headers, producer.send(topic, key=key, value=value, headers=headers)))
        producer.flush()
        for key, value, headers, future in futures:
            md = future.get(timeout=30)
            sent.append((md.partition, md.offset, key, value, headers))
    finally:
        producer.close()
    return sent


def consume_all(bootstrap, topic, partitions, expected):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest", consumer_timeout_ms=1000)
    got = []
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        deadline = time.time() + 60
        while len(got) < expected and time.time() < deadline:
            for tp, records in consumer.poll(timeout_ms=500).items():
                for r in records:
                    got.append((r.partition, r.offset, r.key, r.value, [(k, v) for k, v in r.headers]))
    finally:
        consumer.close()
    return got


def op_roundtrip(bootstrap, topic, codec, count):
    count = int(count)
    if codec in CODEC_MODULES:
        __import__(CODEC_MODULES[codec])
    sent = produce(bootstrap, topic, codec, count)
    partitions = partitions_of(bootstrap, topic)
    got = consume_all(bootstrap, topic, partitions, count)
    if len(got) != count:
        fail(f"consumed {len(got)} of {count} records")
    by_position = {(p, o): (k, v, h) for p, o, k, v, h in got}
    for p, o, k, v, h in sent:
        if by_position.get((p, o)) != (k, v, h):
            fail(f"record at {p}/{o}: sent {(k, v, h)!r}, consumed {by_position.get((p, o))!r}")
    per_partition = {}
    for p, o, *_ in sorted(got):
        per_partition.setdefault(p, []).append(o)
    for p, offsets in per_partition.items():
        if offsets != list(range(len(offsets))):
            fail(f"partition {p} offsets are not 0..n-1")
    return {"consumed": len(got), "partitions": sorted(per_partition), "per_partition": {str(p): len(o) for p, o in per_partition.items()}}


def op_offsets(bootstrap, topic):
    """Ten records with known timestamps in partition 0, then every offset query kafka-python has."""
    base = 1_700_000_000_000
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for i in range(10):
            producer.send(topic, value=f"v{i}".encode(), partition=0, timestamp_ms=base + i * 1000)
        producer.flush()
    finally:
        producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    try:
        def found(ts):
            r = consumer.offsets_for_times({tp: ts})[tp]
            return None if r is None else [r.offset, r.timestamp]

        result = {
            "beginning": consumer.beginning_offsets([tp])[tp],
            "end": consumer.end_offsets([tp])[tp],
            "at_0": found(base),
            "between_4_5": found(base + 4500),
            "at_9": found(base + 9000),
            "after_last": found(base + 9001),
        }
    finally:
        consumer.close()

    client = admin(bootstrap)
    try:
        result["delete_records_builtin"] = hasattr(client, "delete_records")
        response = send_raw(client, DeleteRecordsRequest_v0(topics=[(topic, [(0, 4)])], timeout_ms=5000))
        result["delete_records"] = [[p, lw, err] for _, parts in response.topics for p, lw, err in parts]
        response = send_raw(client, DeleteRecordsRequest_v0(topics=[(topic, [(0, 11), (99, 1)])], timeout_ms=5000))
        result["delete_records_errors"] = [[p, lw, err] for _, parts in response.topics for p, lw, err in parts]
        response = send_raw(client, OffsetForLeaderEpochRequest_v2(topics=[(topic, [(0, -1, 0), (0, 1, 0), (0, 0, 5), (42, -1, 0)])]))
        result["offset_for_leader_epoch"] = [[p, err, epoch, end] for _, parts in response.topics for err, p, epoch, end in parts]
    finally:
        client.close()

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        result["beginning_after_delete"] = consumer.beginning_offsets([tp])[tp]
    finally:
        consumer.close()
    return result


OPERATIONS = {
    "probe": op_probe,
    "create-topic": op_create_topic,
    "delete-topic": op_delete_topic,
    "create-partitions": op_create_partitions,
    "roundtrip": op_roundtrip,
    "offsets": op_offsets,
}

if __name__ == "__main__":
    bootstrap, operation, *args = sys.argv[1:]
    try:
        print(json.dumps(OPERATIONS[operation](bootstrap, *args), separators=(",", ":")))
    except ImportError as e:
        print(f"missing Python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
        sys.exit(3)
