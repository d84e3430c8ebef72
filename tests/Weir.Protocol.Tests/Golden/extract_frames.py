#!/usr/bin/python3
"""Splits the Kafka traffic of a pcap into single frames (one file per request or response).

Standard library only. Reassembles each TCP direction by sequence number, cuts the stream on
the 4-byte length prefix and writes each frame body WITHOUT that prefix, i.e. starting at the
request or response header. Only the first frame of each (api, version) is kept, and an existing
file is never overwritten, so the first capture that produces a frame wins. Metadata requests for
all topics (null array) are kept apart from the first one (librdkafka's brokers-only refresh).

usage: extract_frames.py PCAP BROKER_PORT OUTDIR [--tag produce=gzip] [--responses api,api]
                         [--skip FILE_NAME]
Prints one line per written file: name, pcap frame number that completes it, api key, version,
correlation id (capture.sh hands the frame numbers to tshark for the independent decode).
"""
import os
import struct
import sys

API_NAMES = {
    0: "produce", 1: "fetch", 2: "listoffsets", 3: "metadata", 8: "offsetcommit",
    9: "offsetfetch", 10: "findcoordinator", 11: "joingroup", 12: "heartbeat",
    13: "leavegroup", 14: "syncgroup", 18: "apiversions", 19: "createtopics",
    22: "initproducerid", 32: "describeconfigs", 36: "saslauthenticate",
}


def packets(path):
    """Yields (frame_number, src, sport, dst, dport, flags, seq, payload)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1" or magic == b"\x4d\x3c\xb2\xa1":
        endian = "<"
    elif magic == b"\xa1\xb2\xc3\xd4" or magic == b"\xa1\xb2\x3c\x4d":
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    pos, number = 24, 0
    while pos + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pkt = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        number += 1
        if linktype == 1:  # Ethernet (Linux loopback)
            ethertype, off = struct.unpack(">H", pkt[12:14])[0], 14
        elif linktype == 113:  # Linux cooked v1
            ethertype, off = struct.unpack(">H", pkt[14:16])[0], 16
        elif linktype == 276:  # Linux cooked v2
            ethertype, off = struct.unpack(">H", pkt[0:2])[0], 20
        elif linktype == 0:  # BSD null
            ethertype, off = 0x0800 if pkt[0] == 2 else 0x86DD, 4
        else:
            raise SystemExit(f"unsupported link type {linktype}")
        if ethertype == 0x0800:
            ihl = (pkt[off] & 0x0F) * 4
            total = struct.unpack(">H", pkt[off + 2:off + 4])[0]
            if pkt[off + 9] != 6:
                continue
            src, dst = pkt[off + 12:off + 16], pkt[off + 16:off + 20]
            tcp, end = off + ihl, off + total
        elif ethertype == 0x86DD:
            if pkt[off + 6] != 6:
                continue
            plen = struct.unpack(">H", pkt[off + 4:off + 6])[0]
            src, dst = pkt[off + 8:off + 24], pkt[off + 24:off + 40]
            tcp, end = off + 40, off + 40 + plen
        else:
            continue
        sport, dport, seq = struct.unpack(">HHI", pkt[tcp:tcp + 8])
        doff = (pkt[tcp + 12] >> 4) * 4
        flags = pkt[tcp + 13]
        yield number, src, sport, dst, dport, flags, seq, pkt[tcp + doff:end]


def streams(path):
    """Returns {(src, sport, dst, dport): (bytes, [(end_offset, frame_number)])}, in first-seen order."""
    flows = {}
    for number, src, sport, dst, dport, flags, seq, payload in packets(path):
        key = (src, sport, dst, dport)
        flow = flows.setdefault(key, {"isn": None, "segs": {}})
        if flags & 0x02:  # SYN: the data starts at ISN + 1
            flow["isn"] = (seq + 1) & 0xFFFFFFFF
        if payload:
            flow["segs"].setdefault(seq, (payload, number))  # ignore retransmissions
    out = {}
    for key, flow in flows.items():
        if flow["isn"] is None:
            if flow["segs"]:  # a connection opened before the capture (not ours): skip it
                print(f"skipping stream {key[1]}->{key[3]} without SYN", file=sys.stderr)
            continue
        buf, marks, expect = bytearray(), [], flow["isn"]
        for rel in sorted(((s - flow["isn"]) & 0xFFFFFFFF, s) for s in flow["segs"]):
            payload, number = flow["segs"][rel[1]]
            start = rel[0]
            if start > len(buf):
                raise SystemExit(f"stream {key}: gap at offset {len(buf)} (lost segment)")
            if start + len(payload) <= len(buf):
                continue
            buf += payload[len(buf) - start:]
            marks.append((len(buf), number))
        out[key] = (bytes(buf), marks)
    return out


def frames(buf, marks):
    """Yields (body, completing_frame_number)."""
    pos = 0
    while pos + 4 <= len(buf):
        size = struct.unpack(">i", buf[pos:pos + 4])[0]
        if size < 0 or pos + 4 + size > len(buf):
            raise SystemExit(f"truncated frame at offset {pos} (size {size})")
        end = pos + 4 + size
        number = next(n for e, n in marks if e >= end)
        yield buf[pos + 4:end], number
        pos = end


def variant(api, ver, body):
    """A name suffix for requests worth keeping apart from the first of their (api, version)."""
    if api == 3 and ver >= 1:  # Metadata: a null topic array (all topics) vs a list (maybe empty)
        client_id_len = struct.unpack(">h", body[8:10])[0]
        topics = struct.unpack(">i", body[10 + max(client_id_len, 0):14 + max(client_id_len, 0)])[0]
        return "-alltopics" if topics == -1 else ""
    return ""


def main(argv):
    pcap, port, outdir = argv[1], int(argv[2]), argv[3]
    tags, responses, skip = {}, set(), set()
    rest = argv[4:]
    while rest:
        opt, val, rest = rest[0], rest[1], rest[2:]
        if opt == "--tag":
            api, tag = val.split("=", 1)
            tags[api.lower()] = tag
        elif opt == "--responses":
            responses = {a.strip().lower() for a in val.split(",") if a.strip()}
        elif opt == "--skip":
            skip.add(val)
        else:
            raise SystemExit(f"unknown option {opt}")
    flows = streams(pcap)
    for (src, sport, dst, dport), (buf, marks) in flows.items():
        if dport != port:
            continue
        back = flows.get((dst, dport, src, sport), (b"", []))
        pending = {}
        for body, number in frames(buf, marks):
            api, ver, corr = struct.unpack(">hhi", body[:8])
            name = API_NAMES.get(api, f"api{api}")
            suffix = variant(api, ver, body)
            pending[corr] = (name, ver, suffix)
            write(outdir, name, ver, tags, "request", body, number, api, corr, skip, suffix)
        for body, number in frames(*back):
            corr = struct.unpack(">i", body[:4])[0]
            if corr not in pending:
                raise SystemExit(f"response with unknown correlation id {corr}")
            name, ver, suffix = pending[corr]
            if name in responses:
                api = next(k for k, v in API_NAMES.items() if v == name)
                write(outdir, name, ver, tags, "response", body, number, api, corr, skip, suffix)


def write(outdir, name, ver, tags, kind, body, number, api, corr, skip, suffix):
    tag = (f"-{tags[name]}" if name in tags else "") + suffix
    fname = f"kcat-{name}-v{ver}{tag}.{kind}.bin"
    path = os.path.join(outdir, fname)
    if fname in skip or os.path.exists(path):
        return
    with open(path, "wb") as f:
        f.write(body)
    print(f"{fname}\t{number}\t{api}\t{ver}\t{corr}")


if __name__ == "__main__":
    main(sys.argv)
