"""What real clients are told when they delete, or produce to, an internal topic; prints JSON.

usage: internal_topics.py BOOTSTRAP TOPIC
"""
import json
import sys

try:
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError
except ImportError as e:
    print(f"confluent-kafka or kafka-python is missing for {sys.executable} ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)


def main():
    bootstrap, topic = sys.argv[1:3]
    out = {}

    admin = AdminClient({"bootstrap.servers": bootstrap, "broker.address.family": "v4"})
    try:
        admin.delete_topics([topic], operation_timeout=15, request_timeout=15)[topic].result()
        out["confluent_delete"] = "deleted"
    except Exception as e:  # the broker's error, as librdkafka reports it
        err = e.args[0]
        out["confluent_delete"] = {"code": err.name(), "message": err.str()}

    kp = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 5, 0), request_timeout_ms=15000)
    try:
        response = kp.delete_topics([topic], timeout_ms=15000)
        out["kafka_python_delete"] = [list(t) for t in response.topic_error_codes]
    except KafkaError as e:
        out["kafka_python_delete"] = {"error": type(e).__name__, "message": str(e)}
    finally:
        kp.close()

    reports = []
    producer = Producer({"bootstrap.servers": bootstrap, "broker.address.family": "v4", "message.send.max.retries": 0})
    producer.produce(topic, b"not an offset commit", partition=0, on_delivery=lambda err, msg: reports.append(err))
    producer.flush(30)
    out["confluent_produce"] = [None if r is None else {"code": r.name(), "message": r.str()} for r in reports]

    print(json.dumps(out))


if __name__ == "__main__":
    main()
