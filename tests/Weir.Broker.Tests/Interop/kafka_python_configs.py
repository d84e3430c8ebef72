"""DescribeConfigs/AlterConfigs/describe_cluster through kafka-python's KafkaAdminClient; prints JSON.

usage: kafka_python_configs.py BOOTSTRAP describe topic|broker NAME [key...]
       kafka_python_configs.py BOOTSTRAP alter topic|broker NAME key=value...
       kafka_python_configs.py BOOTSTRAP cluster
"""
import json
import sys

try:
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient
except ImportError as e:
    print(f"kafka-python is missing for {sys.executable} ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)

KINDS = {"topic": ConfigResourceType.TOPIC, "broker": ConfigResourceType.BROKER}


def main():
    bootstrap, op = sys.argv[1:3]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="weir-test", request_timeout_ms=15000)
    try:
        if op == "cluster":
            print(json.dumps(admin.describe_cluster()))
            return
        kind, name = sys.argv[3:5]
        rest = sys.argv[5:]
        if op == "describe":
            responses = admin.describe_configs([ConfigResource(KINDS[kind], name, dict.fromkeys(rest) if rest else None)], include_synonyms=True)
            out = []
            for response in responses:
                for error_code, error_message, _, resource_name, entries in response.resources:
                    configs = {}
                    for entry in entries:
                        # v1+: name, value, read_only, config_source, is_sensitive, synonyms
                        entry_name, value, read_only, source, sensitive, synonyms = entry
                        configs[entry_name] = {"value": value, "read_only": read_only, "source": source, "sensitive": sensitive,
                                               "synonyms": [list(s) for s in synonyms]}
                    out.append({"version": response.API_VERSION, "error_code": error_code, "error_message": error_message,
                                "name": resource_name, "configs": configs})
            print(json.dumps(out))
        elif op == "alter":
            configs = dict(a.split("=", 1) for a in rest)
            response = admin.alter_configs([ConfigResource(KINDS[kind], name, configs)])
            print(json.dumps([{"error_code": r[0], "error_message": r[1], "name": r[3]} for r in response.resources]))
        else:
            raise SystemExit(f"unknown op {op}")
    finally:
        admin.close()


main()
