"""Shared by the interop scripts: import kafka-python and its codecs or exit 3 with a clear message."""
import sys

try:
    import kafka  # noqa: F401
    import lz4.frame  # noqa: F401
    import snappy  # noqa: F401
    import zstandard  # noqa: F401
    from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder  # noqa: F401
except ImportError as e:
    print(f"missing python module ({e}); run scripts/setup-test-deps.sh", file=sys.stderr)
    sys.exit(3)

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def to_hex(b):
    return None if b is None else bytes(b).hex()
