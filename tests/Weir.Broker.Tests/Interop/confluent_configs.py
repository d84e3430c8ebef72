"""DescribeConfigs/AlterConfigs through confluent-kafka's AdminClient (librdkafka); prints JSON.

usage: confluent_configs.py BOOTSTRAP describe topic|broker NAME
       confluent_configs.py BOOTSTRAP alter topic|broker NAME [--validate-only] key=value...
"""
import json
import sys

try:
    from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource
except ImportError as e:
    print(f"confluent-kafka is missing for {sys.executable} ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)


def resource(kind, name, configs=None):
    return ConfigResource(kind.upper(), name, set_config=configs)


def main():
    bootstrap, op, kind, name = sys.argv[1:5]
    admin = AdminClient({"bootstrap.servers": bootstrap, "broker.address.family": "v4"})
    if op == "describe":
        future = admin.describe_configs([resource(kind, name)], request_timeout=15)
        try:
            entries = list(future.values())[0].result()
        except Exception as e:  # the broker's error, as the client reports it
            print(json.dumps({"error": str(e)}))
            return
        out = {}
        for entry in entries.values():
            out[entry.name] = {
                "value": entry.value,
                "source": ConfigSource(entry.source).name,
                "read_only": entry.is_read_only,
                "is_default": entry.is_default,
                "sensitive": entry.is_sensitive,
                "synonyms": [[s.name, s.value, ConfigSource(s.source).name] for s in entry.synonyms.values()],
            }
        print(json.dumps({"configs": out}))
    elif op == "alter":
        args = sys.argv[5:]
        validate_only = "--validate-only" in args
        configs = dict(a.split("=", 1) for a in args if a != "--validate-only")
        future = admin.alter_configs([resource(kind, name, configs)], validate_only=validate_only, request_timeout=15)
        try:
            list(future.values())[0].result()
            print(json.dumps({"ok": True}))
        except Exception as e:
            print(json.dumps({"error": str(e)}))
    else:
        raise SystemExit(f"unknown op {op}")


main()
