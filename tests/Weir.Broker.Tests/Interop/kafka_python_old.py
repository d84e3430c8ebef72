"""kafka-python (2.0.2) pinned to an old broker version, so it sends the old request versions
Kafka 4.0 removed: Metadata v0, ListOffsets v0, GroupCoordinator (FindCoordinator) v0,
OffsetCommit v0-v2 and OffsetFetch v0-v1 (which ones depends on the api_version).

Usage: kafka_python_old.py BOOTSTRAP API_VERSION TOPIC COUNT
API_VERSION is dotted, e.g. 0.8.2. A modern producer writes COUNT records to partition 0 first
(Produce v0-2 stay refused), then the pinned consumer reads offsets and commits.
Exit 0 with a JSON result, 1 when a check inside failed, 3 when a Python module is missing.
"""
import json
import sys

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.structs import OffsetAndMetadata
except ImportError as e:  # pragma: no cover - environment problem
    print(f"missing Python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)


def main():
    bootstrap, api, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    api_version = tuple(int(p) for p in api.split("."))

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for i in range(count):
        producer.send(topic, value=b"v%d" % i, partition=0).get(timeout=30)
    producer.close()

    group = "old-" + topic
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        api_version=api_version,
        group_id=group,
        enable_auto_commit=False,
        request_timeout_ms=20000,
        session_timeout_ms=10000,
        connections_max_idle_ms=30000,
    )
    tp = TopicPartition(topic, 0)
    topics = sorted(consumer.topics())
    consumer.assign([tp])
    end = consumer.end_offsets([tp])[tp]
    beginning = consumer.beginning_offsets([tp])[tp]
    committed = None
    # From 0.9 kafka-python commits only as a member of a joined group (OffsetCommit v2 with a
    # generation); before that, as a standalone consumer: v1 (0.8.2) or v0 (0.8.1).
    if api_version < (0, 9):
        consumer.commit({tp: OffsetAndMetadata(count - 1, "old-client")})
        committed = consumer.committed(tp)
    consumer.close(autocommit=False)
    print(json.dumps({
        "topics_include_topic": topic in topics,
        "end": end,
        "beginning": beginning,
        "committed": committed,
    }))


if __name__ == "__main__":
    main()
