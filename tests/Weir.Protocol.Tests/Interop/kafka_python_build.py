"""Builds one v2 batch per codec with kafka-python and writes <codec>.bin plus <codec>.json (what
was put in), and standalone codec streams (<name>.bin + <name>.plain) for the codec tests.
Usage: kafka_python_build.py OUTDIR"""
import json
import os
import sys

from kafka_python_common import CODECS, DefaultRecordBatchBuilder, to_hex

import lz4.frame
import snappy
import zstandard
from kafka.codec import snappy_encode, lz4_encode

out = sys.argv[1]
T0 = 1_700_000_000_000
RECORDS = [
    (0, T0, b"key-0", b"value zero " * 40, [("h1", b"v1"), ("h-null", None)]),
    (1, T0 + 5, None, b"null key " * 30, []),
    (2, T0 - 10, b"tombstone", None, []),
    (3, T0 + 20, b"", b"", [("empty", b""), ("utf8-\u00e9", b"\x00\xff")]),
    (4, T0 + 1, b"big", b"abcdefghijklmnopqrstuvwxyz0123456789" * 4000, []),
]

for name, codec in CODECS.items():
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=(codec % 2 == 1),
        producer_id=4242, producer_epoch=7, base_sequence=100, batch_size=1 << 22)
    for offset, ts, key, value, headers in RECORDS:
        if builder.append(offset, ts, key, value, headers) is None:
            sys.exit("record did not fit")
    data = bytes(builder.build())
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
    expected = {
        "compression": codec,
        "transactional": codec % 2 == 1,
        "producer_id": 4242, "producer_epoch": 7, "base_sequence": 100,
        "records": [
            {"offset": o, "timestamp": ts, "key": to_hex(k), "value": to_hex(v),
             "headers": [[hk, to_hex(hv)] for hk, hv in h]}
            for o, ts, k, v, h in RECORDS
        ],
    }
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(expected, f)

plain = b"".join(b"line %d of some compressible text\n" % i for i in range(5000))
streams = {
    "snappy-xerial": snappy_encode(plain),  # what kafka-python puts in batches
    "snappy-raw": snappy.compress(plain),  # what librdkafka puts in batches
    "lz4-frame": lz4_encode(plain),
    "zstd-with-size": zstandard.ZstdCompressor().compress(plain),
    "zstd-no-size": zstandard.ZstdCompressor(write_content_size=False).compress(plain),
}
for name, data in streams.items():
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(data)
with open(os.path.join(out, "plain.bin"), "wb") as f:
    f.write(plain)
print("ok")
