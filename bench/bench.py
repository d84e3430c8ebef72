#!/usr/bin/python3
"""Weir's whole-system benchmark driver (bench/run.sh installs the tools and builds Weir first).

One run measures, each figure repeated (median, min-max):
  limits  loopback TCP (iperf3, 1 stream); sequential 1 MiB writes in the work dir's filesystem,
          buffered and with fdatasync after every MiB (fio)
  peers   Redis Streams: redis-server (appendonly yes, private port, temp dir), redis-benchmark
          XADD, pipeline 64 over 50 connections; NATS JetStream: nats-server -js (file store,
          temp dir), bench/nats/bench.js async publish with a window of outstanding acks, then
          an ordered consumer reading everything back
  Weir    rdkafka_performance: produce (sizes x partitions x acks) and consume from the beginning;
          produce and end-to-end latency p50/p99/p99.9 at half the measured maximum rate;
          `weir producer-perf-test` / `weir consumer-perf-test` when the build has them;
          start time to the first accepted TCP connection on an empty data dir, idle RSS, peak
          RSS while producing
Every Weir throughput figure is also given as a ratio to loopback TCP and to the best peer at the
same record size, and the issue-6 targets are checked where one applies.
MB are 10^6 bytes of record values; rec/s are records (messages, stream entries) per second.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from kafka.admin import KafkaAdminClient, NewTopic

PRODUCE_RE = re.compile(
    r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset (-?\d+), (\d+) failed\) "
    r"in (\d+)ms: (\d+) msgs/s and ([\d.]+) MB/s, (\d+) produce failures")
CONSUME_RE = re.compile(r"% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s \(([\d.]+) MB/s\)")
# Kafka's ProducerPerformance summary line.
KAFKA_PRODUCER_RE = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
    r"([\d.]+) ms max latency(?:, ([\d.]+) ms 50th, ([\d.]+) ms 95th, ([\d.]+) ms 99th, ([\d.]+) ms 99.9th)?")

T0 = time.monotonic()


def log(msg):
    el = time.monotonic() - T0
    print(f"[{time.strftime('%H:%M:%S')} +{int(el) // 60}:{int(el) % 60:02d}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30.0, interval=0.002):
    """Polls connect() until the port accepts; returns the monotonic time it did, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return None
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.monotonic()
        except OSError:
            time.sleep(interval)
    return None


def stop(proc, timeout=30):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def read_latencies_ms(path):
    """rdkafka_performance -A writes one latency per message, in microseconds."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        values = sorted(int(line) / 1000.0 for line in f if line.strip())
    os.remove(path)
    return {"n": len(values), "p50": percentile(values, 50), "p99": percentile(values, 99),
            "p99.9": percentile(values, 99.9), "max": values[-1] if values else None}


def proc_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class RssSampler:
    """Peak VmRSS of a process while a block runs (sampled every 50 ms)."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, proc_rss_mb(self.pid) or 0.0)
            self._stop.wait(0.05)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, proc_rss_mb(self.pid) or 0.0)


def run(cmd, timeout, env=None):
    """Runs cmd; returns (stdout+stderr, wall seconds, timed_out)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout, env=env)
        return p.stdout, time.monotonic() - t0, False, p.returncode
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return out + "\n[timed out]", time.monotonic() - t0, True, None


def last_match(regex, text):
    """rdkafka_performance prints its summary line every second and once more at the end."""
    found = None
    for found in regex.finditer(text):
        pass
    return found


def rdkafka_problems(out):
    return [line.strip() for line in out.splitlines()
            if (re.match(r"%[0-4]\|", line) and "CONFWARN" not in line) or line.startswith("% Consume error")]


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


class Bench:
    def __init__(self, args):
        self.a = args
        self.rows = []          # table rows, in print order
        self.problems = []
        self.tcp = None         # summary of loopback MB/s
        self.out_dir = args.out or tempfile.mkdtemp(prefix="weir-bench-")
        os.makedirs(self.out_dir, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="weir-bench-work-", dir=args.work_dir)
        self.env_node = dict(os.environ, NODE_PATH=args.node_path)

    # ------------------------------------------------------------ bookkeeping

    def problem(self, what, detail):
        self.problems.append(f"{what}: {detail}")
        log(f"PROBLEM {what}: {detail}")

    def add(self, group, name, runs, size=None, kind="throughput", unit=None, key=None, peer_kind=None,
            targets=None, note=None, note_label=None):
        """runs: list of dicts. throughput rows read records_s (and size for MB/s); value rows read key."""
        row = {"group": group, "name": name, "kind": kind, "size": size, "unit": unit, "runs": runs,
               "peer_kind": peer_kind, "targets": targets or [], "note": note, "note_label": note_label}
        if kind == "throughput":
            row["records_s"] = summarize([r.get("records_s") for r in runs])
            row["mb_s"] = summarize([r["records_s"] * size / 1e6 if r.get("records_s") else None for r in runs])
        elif kind == "latency":
            row["records_s"] = summarize([r.get("records_s") for r in runs])
            row["latency"] = {p: summarize([(r.get(key) or {}).get(p) for r in runs]) for p in ("p50", "p99", "p99.9")}
        else:
            row["value"] = summarize([r.get(key) for r in runs])
        self.rows.append(row)
        return row

    def find(self, name):
        for r in self.rows:
            if r["name"] == name:
                return r
        return None

    # ------------------------------------------------------------ limits

    def measure_tcp(self):
        runs = []
        for i in range(self.a.reps):
            port = free_port()
            server = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                mbps = None
                for _ in range(50):  # "connection refused" until the server listens
                    p = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(self.a.tcp_seconds), "-J"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                    try:
                        mbps = json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"] / 8 / 1e6
                        break
                    except (ValueError, KeyError):
                        time.sleep(0.1)
            finally:
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    stop(server)
            if mbps is None:
                self.problem("iperf3", "client failed")
                continue
            runs.append({"mb_s": mbps})
            log(f"loopback TCP {i + 1}/{self.a.reps}: {mbps:,.0f} MB/s")
        row = self.add("limit", "loopback TCP, iperf3 1 stream", runs, kind="value", unit="MB/s", key="mb_s")
        self.tcp = row["value"]

    def measure_disk(self):
        d = os.path.join(self.work, "fio")
        os.makedirs(d, exist_ok=True)
        for label, extra, size in (
                ("buffered", [], self.a.disk_mib),
                ("fdatasync every MiB", ["--fdatasync=1"], self.a.disk_sync_mib)):
            runs = []
            for i in range(self.a.reps):
                subprocess.run(["sync"])  # start without other writers' dirty pages queued ahead
                cmd = ["fio", "--name=seqwrite", f"--directory={d}", "--rw=write", "--bs=1M", f"--size={size}M",
                       "--ioengine=psync", "--output-format=json"] + extra
                out, wall, timed_out, rc = run(cmd, self.a.timeout)
                try:
                    bw = json.loads(out[out.index("{"):])["jobs"][0]["write"]["bw_bytes"] / 1e6
                except (ValueError, KeyError, IndexError):
                    self.problem(f"fio {label}", out.strip()[-300:])
                    continue
                for f in os.listdir(d):
                    os.remove(os.path.join(d, f))
                subprocess.run(["sync"])  # the next figure should not pay for this one's dirty pages
                runs.append({"mb_s": bw})
                log(f"disk sequential write, {label} {i + 1}/{self.a.reps}: {bw:,.0f} MB/s")
            self.add("limit", f"disk seq write 1 MiB, {label}", runs, kind="value", unit="MB/s", key="mb_s",
                     note=f"fio, {size} MiB file")

    # ------------------------------------------------------------ peers

    def measure_redis(self, size):
        runs = []
        value = "x" * size
        for i in range(self.a.reps):
            d = tempfile.mkdtemp(prefix="redis-", dir=self.work)
            port = free_port()
            server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                                       "--appendonly", "yes", "--save", "", "--protected-mode", "no",
                                       "--logfile", os.path.join(d, "redis.log")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if wait_port(port, server) is None:
                    self.problem("redis", "server did not start")
                    continue
                n = self.count(size, peer=True)
                out, wall, timed_out, rc = run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-P", "64",
                                                "-c", "50", "-n", str(n), "--csv", "XADD", "bench", "*", "v", value],
                                               self.a.timeout)
                rps = None
                for line in out.splitlines():
                    if line.startswith('"XADD'):
                        rps = float(line.split('","')[1])
                xlen = subprocess.run(["redis-cli", "-p", str(port), "XLEN", "bench"], stdout=subprocess.PIPE,
                                      text=True).stdout.strip()
                # redis-benchmark rounds the request count up to whole pipelines per connection
                if rps is None or timed_out or not xlen.isdigit() or int(xlen) < n:
                    self.problem(f"redis {size} B", f"XLEN {xlen} of {n}; {out.strip()[-300:]}")
                    continue
                runs.append({"records_s": rps, "records": n})
                log(f"Redis Streams XADD {size} B {i + 1}/{self.a.reps}: {rps:,.0f} rec/s")
            finally:
                stop(server)
                shutil.rmtree(d, ignore_errors=True)
        self.add("peer", f"Redis Streams XADD {size} B (-P 64 -c 50)", runs, size=size, peer_kind="produce",
                 note="redis-server 7.0, appendonly yes (fsync everysec)")

    def measure_nats(self, size):
        pub, con = [], []
        for i in range(self.a.reps):
            d = tempfile.mkdtemp(prefix="nats-", dir=self.work)
            port = free_port()
            server = subprocess.Popen(["nats-server", "-js", "-sd", d, "-a", "127.0.0.1", "-p", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                if wait_port(port, server) is None:
                    self.problem("nats", "server did not start")
                    continue
                n = self.count(size, peer=True)
                out, wall, timed_out, rc = run(["node", os.path.join(os.path.dirname(__file__), "nats", "bench.js"),
                                                "--server", f"127.0.0.1:{port}", "--records", str(n), "--size", str(size),
                                                "--window", str(self.a.nats_window), "--consume"],
                                               self.a.timeout, env=self.env_node)
                phases = {}
                for line in out.splitlines():
                    if line.startswith("{"):
                        j = json.loads(line)
                        phases[j["phase"]] = j
                if rc != 0 or timed_out or "publish" not in phases:
                    self.problem(f"nats {size} B", out.strip()[-300:])
                    continue
                pub.append({"records_s": phases["publish"]["records_s"], "records": n})
                if "consume" in phases:
                    con.append({"records_s": phases["consume"]["records_s"], "records": phases["consume"]["records"]})
                log(f"NATS JetStream {size} B {i + 1}/{self.a.reps}: publish {phases['publish']['records_s']:,.0f} rec/s, "
                    f"consume {phases.get('consume', {}).get('records_s', 0):,.0f} rec/s")
            finally:
                stop(server)
                shutil.rmtree(d, ignore_errors=True)
        self.add("peer", f"NATS JetStream publish {size} B (window {self.a.nats_window})", pub, size=size,
                 peer_kind="produce", note="nats-server 2.9, file store")
        self.add("peer", f"NATS JetStream consume {size} B (ordered consumer)", con, size=size, peer_kind="consume")

    # ------------------------------------------------------------ Weir

    def start_broker(self, data_dir, log_path, port=None):
        port = port or free_port()
        logf = open(log_path, "a")
        proc = subprocess.Popen(
            ["dotnet", self.a.weir_dll, "start",
             "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}",
             "--override", f"log.dirs={data_dir}",
             "--override", "num.partitions=1",
             "--override", "auto.create.topics.enable=false"],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        return proc, port

    def measure_start(self):
        runs = []
        for i in range(self.a.reps):
            t0 = time.monotonic()
            out, wall, timed_out, rc = run(["dotnet", self.a.weir_dll, "--version"], 60)
            if rc == 0:
                runs.append({"ms": wall * 1000})
        self.add("limit", "dotnet weir.dll --version (host + runtime start, no broker)", runs, kind="value", unit="ms",
                 key="ms", note="what any start of `dotnet weir.dll` pays before Weir's own code")
        runs = []
        log_path = os.path.join(self.out_dir, "broker-start.log")
        for i in range(self.a.reps):
            data = tempfile.mkdtemp(prefix="start-", dir=self.work)
            t0 = time.monotonic()
            proc, port = self.start_broker(os.path.join(data, "data"), log_path)
            try:
                t1 = wait_port(port, proc, timeout=60, interval=0.001)
                if t1 is None:
                    self.problem("weir start", f"no connection accepted; see {log_path}")
                    continue
                time.sleep(self.a.idle_seconds)
                rss = proc_rss_mb(proc.pid)
                runs.append({"start_ms": (t1 - t0) * 1000, "idle_rss_mb": rss})
                log(f"Weir start {i + 1}/{self.a.reps}: {(t1 - t0) * 1000:,.0f} ms to first connection, "
                    f"idle RSS {rss:,.0f} MB")
            finally:
                stop(proc)
                shutil.rmtree(data, ignore_errors=True)
        self.add("weir", "Weir start to first accepted connection (empty data dir)", runs, kind="value", unit="ms",
                 key="start_ms", targets=[("< 150 ms", lambda r: r["value"]["median"] < 150)],
                 note="dotnet weir.dll start, time from spawn to connect()")
        self.add("weir", f"Weir idle RSS ({self.a.idle_seconds:g} s after start)", runs, kind="value", unit="MB",
                 key="idle_rss_mb", targets=[("< 100 MB", lambda r: r["value"]["median"] < 100)])

    def count(self, size, peer=False):
        if self.a.quick:
            return 200_000 if size < 1024 else 100_000
        if size < 1024:
            return self.a.count_100 if not peer else self.a.peer_count_100
        return self.a.count_1024 if not peer else self.a.peer_count_1024

    def perf_produce(self, topic, size, count, acks, extra=(), sampler_pid=None):
        cmd = [self.a.perf, "-P", "-t", topic, "-b", self.bootstrap, "-s", str(size), "-c", str(count),
               "-a", str(acks), "-X", f"linger.ms={self.a.linger_ms}", "-X", f"batch.size={self.a.batch_size}"] + list(extra)
        if sampler_pid:
            with RssSampler(sampler_pid) as s:
                out, wall, timed_out, rc = run(cmd, self.a.timeout)
            peak = s.peak
        else:
            out, wall, timed_out, rc = run(cmd, self.a.timeout)
            peak = None
        m = last_match(PRODUCE_RE, out)
        r = {"wall_s": wall, "rss_peak_mb": peak}
        problems = rdkafka_problems(out)
        if not m:
            problems.append("no summary line: " + out.strip()[-300:])
        else:
            produced, nbytes, delivered, _, failed, ms, msgs_s, mb_s, _ = m.groups()
            r.update({"records": int(delivered), "elapsed_ms": int(ms),
                      "records_s": int(delivered) / max(int(ms), 1) * 1000})
            if int(delivered) != count or int(failed):
                problems.append(f"delivered {delivered} of {count}, {failed} failed")
        if timed_out:
            problems.append(f"timed out after {self.a.timeout}s")
        return r, problems

    def perf_consume(self, topic, partitions, count, extra=()):
        cmd = [self.a.perf, "-C", "-t", topic, "-b", self.bootstrap, "-o", "beginning", "-c", str(count)] + list(extra)
        for p in range(partitions):
            cmd += ["-p", str(p)]
        return cmd

    def parse_consume(self, out, count, timed_out):
        m = last_match(CONSUME_RE, out)
        r = {}
        problems = rdkafka_problems(out)
        if not m:
            problems.append("no summary line: " + out.strip()[-300:])
        else:
            msgs, nbytes, ms, msgs_s, mb_s = m.groups()
            r.update({"records": int(msgs), "elapsed_ms": int(ms), "records_s": int(msgs) / max(int(ms), 1) * 1000})
            if int(msgs) != count:
                problems.append(f"consumed {msgs} of {count}")
        if timed_out:
            problems.append(f"timed out after {self.a.timeout}s")
        return r, problems

    def topic(self, name, partitions):
        self.admin.create_topics([NewTopic(name, partitions, 1)])
        return name

    def measure_weir_rdkafka(self):
        sizes = [int(x) for x in self.a.sizes.split(",")]
        parts = [int(x) for x in self.a.partitions.split(",")]
        acks_list = [int(x) for x in self.a.acks.split(",")]
        consume_runs = {}
        rss_by_rep = {}
        for size in sizes:
            count = self.count(size)
            for p in parts:
                for acks in acks_list:
                    runs = []
                    name = f"{size} B, {p} part, acks={'all' if acks == -1 else acks}"
                    for rep in range(self.a.reps):
                        t = self.topic(f"bench-s{size}-p{p}-a{'all' if acks == -1 else acks}-r{rep}", p)
                        r, problems = self.perf_produce(t, size, count, acks, sampler_pid=self.broker.pid)
                        for x in problems:
                            self.problem(f"produce {name} rep {rep + 1}", x)
                        runs.append(r)
                        rss_by_rep[rep] = max(rss_by_rep.get(rep, 0.0), r["rss_peak_mb"] or 0.0)
                        c_out, c_wall, c_to, _ = run(self.perf_consume(t, p, count), self.a.timeout)
                        c, problems = self.parse_consume(c_out, count, c_to)
                        for x in problems:
                            self.problem(f"consume {name} rep {rep + 1}", x)
                        consume_runs.setdefault((size, p), []).append(c)
                        self.admin.delete_topics([t])
                        log(f"Weir rdkafka {name} {rep + 1}/{self.a.reps}: produce {r.get('records_s', 0):,.0f} rec/s, "
                            f"consume {c.get('records_s', 0):,.0f} rec/s, broker RSS peak {r['rss_peak_mb']:,.0f} MB")
                        self.check_broker()
                    targets = []
                    if size == 100 and p == 1 and acks == 1:
                        targets = [(">= 1,000,000 rec/s", lambda row: row["records_s"]["median"] >= 1_000_000),
                                   (">= 3x Redis", lambda row: self.vs_peer(row, "Redis") is not None
                                    and self.vs_peer(row, "Redis")[0] >= 3,
                                    lambda row: f"{self.vs_peer(row, 'Redis')[0]:.2f}x")]
                    if size == 1024 and acks == 1:
                        targets = [(">= 600 MB/s", lambda row: row["mb_s"]["median"] >= 600)]
                    self.add("weir", f"Weir produce {name}", runs, size=size,
                             peer_kind="produce", targets=targets)
        for (size, p), runs in consume_runs.items():
            targets = [(">= 1,200 MB/s", lambda row: row["mb_s"]["median"] >= 1200)] if size == 1024 else []
            self.add("weir", f"Weir consume {size} B, {p} part", runs, size=size,
                     peer_kind="consume", targets=targets,
                     note="each topic produced above is read once, so these rows pool the acks settings' runs",
                     note_label="Weir consume rows")
        self.add("weir", "Weir peak RSS while producing", [{"rss": v} for v in rss_by_rep.values()], kind="value",
                 unit="MB", key="rss", note="per repeat: max over every produce run, sampled every 50 ms")

    def measure_latency(self):
        """Produce and end-to-end latency, one partition: at half the measured maximum rate, and light."""
        for size in [int(x) for x in self.a.latency_sizes.split(",")]:
            for acks in [int(x) for x in self.a.latency_acks.split(",")]:
                a = "all" if acks == -1 else str(acks)
                base = self.find(f"Weir produce {size} B, 1 part, acks={a}")
                if base and base["records_s"]:
                    # rdkafka_performance waits a whole number of microseconds per record: ask for the
                    # highest rate it can hold that is not above half the maximum.
                    half = base["records_s"]["median"] / 2
                    rate = 1_000_000 / max(1, -(-1_000_000 // int(half)))
                    note = (f"rdkafka_performance -l -r R, R = half the median maximum above rounded down to a whole "
                            f"microsecond per record, linger.ms={self.a.latency_linger_ms}; rec/s = the rate achieved")
                    self.latency_runs(size, acks, rate, self.a.latency_seconds, f"at half max (-r {rate:,.0f})", note,
                                      "produce latency at half max", [("p99 < 3 ms", lambda row: row["latency"]["p99"]["median"] < 3)])
                if self.a.light_rate:
                    self.latency_runs(size, acks, self.a.light_rate, self.a.light_seconds,
                                      f"at {self.a.light_rate:,} rec/s",
                                      f"rdkafka_performance -l -r {self.a.light_rate}, linger.ms={self.a.latency_linger_ms}; "
                                      "rec/s = the rate achieved",
                                      f"produce latency at {self.a.light_rate:,} rec/s", [])

    def latency_runs(self, size, acks, rate, seconds, label, note, note_label, targets):
        a = "all" if acks == -1 else str(acks)
        count = max(1000, int(rate * seconds))
        runs = []
        name = f"{size} B, 1 part, acks={a}"
        for rep in range(self.a.reps):
            t = self.topic(f"lat-s{size}-a{a}-{int(rate)}-r{rep}", 1)
            prod_file = os.path.join(self.work, "produce-latency.txt")
            cons_file = os.path.join(self.work, "e2e-latency.txt")
            # The consumer must be fetching before the measured records go out, or its start-up
            # (metadata of a topic created a moment ago, first fetch) counts as latency: it is
            # given one warm-up record without a timestamp (rdkafka_performance -l ignores it) and
            # the measured producer starts once the consumer's progress line shows it arrived.
            consumer = subprocess.Popen(["stdbuf", "-oL"] + self.perf_consume(t, 1, count + 1,
                                                                             ["-l", "-A", cons_file, "-i", "100"]),
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            lines, ready = [], threading.Event()

            def read_consumer(stream=consumer.stdout, lines=lines, ready=ready):
                for line in stream:
                    lines.append(line)
                    m = CONSUME_RE.search(line)
                    if m and int(m.group(1)) >= 1:
                        ready.set()

            reader = threading.Thread(target=read_consumer, daemon=True)
            reader.start()
            warm, problems = self.perf_produce(t, size, 1, acks)
            if not ready.wait(self.a.timeout):
                problems.append("the consumer did not receive the warm-up record")
            r, measured_problems = self.perf_produce(t, size, count, acks,
                                            ["-r", f"{rate:.0f}", "-l", "-A", prod_file,
                                             "-X", f"linger.ms={self.a.latency_linger_ms}"])
            try:
                consumer.wait(timeout=self.a.timeout)
                c_to = False
            except subprocess.TimeoutExpired:
                consumer.kill()
                consumer.wait()
                c_to = True
            reader.join()
            c_out = "".join(lines)
            c, cproblems = self.parse_consume(c_out, count + 1, c_to)
            for x in problems + measured_problems + cproblems:
                self.problem(f"latency {name} {label} rep {rep + 1}", x)
            r["produce_ms"] = read_latencies_ms(prod_file)
            r["e2e_ms"] = read_latencies_ms(cons_file)
            r["requested_rate"] = rate
            runs.append(r)
            self.admin.delete_topics([t])
            pl, el = r["produce_ms"] or {}, r["e2e_ms"] or {}
            log(f"Weir latency {name} {label} {rep + 1}/{self.a.reps} at {r.get('records_s', 0):,.0f} rec/s: "
                f"produce p50/p99/p99.9 {fnum(pl.get('p50'))}/{fnum(pl.get('p99'))}/{fnum(pl.get('p99.9'))} ms, "
                f"end-to-end {fnum(el.get('p50'))}/{fnum(el.get('p99'))}/{fnum(el.get('p99.9'))} ms")
            self.check_broker()
        self.add("weir", f"Weir produce latency {name} {label}", runs, kind="latency", key="produce_ms",
                 targets=targets, note=note, note_label=note_label)
        self.add("weir", f"Weir end-to-end latency {name} {label}", runs, kind="latency", key="e2e_ms",
                 note="produce() to the consumer's receipt, in the same runs as the produce latency",
                 note_label="end-to-end latency")

    def weir_tool_available(self, tool, flag):
        out, _, _, rc = run(["dotnet", self.a.weir_dll, tool, "--help"], 60)
        return rc == 0 and flag in out

    def measure_weir_tools(self):
        prod_ok = self.weir_tool_available("producer-perf-test", "--num-records")
        cons_ok = self.weir_tool_available("consumer-perf-test", "--messages")
        self.tools_available = {"producer-perf-test": prod_ok, "consumer-perf-test": cons_ok}
        if not prod_ok:
            log("weir producer-perf-test: not available in this build")
        if not cons_ok:
            log("weir consumer-perf-test: not available in this build")
        for size in [int(x) for x in self.a.sizes.split(",")]:
            count = self.count(size)
            pruns, cruns = [], []
            for rep in range(self.a.reps if prod_ok else 0):
                t = self.topic(f"tool-s{size}-r{rep}", 1)
                out, wall, timed_out, rc = run(
                    ["dotnet", self.a.weir_dll, "producer-perf-test", "--topic", t, "--num-records", str(count),
                     "--record-size", str(size), "--throughput", "-1", "--producer-props",
                     f"bootstrap.servers={self.bootstrap}", "acks=1", f"linger.ms={self.a.linger_ms}",
                     f"batch.size={self.a.batch_size}"], self.a.timeout)
                m = last_match(KAFKA_PRODUCER_RE, out)
                if rc != 0 or timed_out or not m or int(m.group(1)) != count:
                    self.problem(f"weir producer-perf-test {size} B rep {rep + 1}", out.strip()[-300:])
                else:
                    pruns.append({"records_s": float(m.group(2)), "records": int(m.group(1)),
                                  "p99_ms": float(m.group(8)) if m.group(8) else None})
                    log(f"weir producer-perf-test {size} B {rep + 1}/{self.a.reps}: {float(m.group(2)):,.0f} rec/s")
                if cons_ok:
                    out, wall, timed_out, rc = run(
                        ["dotnet", self.a.weir_dll, "consumer-perf-test", "--bootstrap-server", self.bootstrap,
                         "--topic", t, "--messages", str(count)], self.a.timeout)
                    c = parse_kafka_consumer(out)
                    if rc != 0 or timed_out or not c or c.get("data.consumed.in.nMsg", 0) < count:
                        self.problem(f"weir consumer-perf-test {size} B rep {rep + 1}", out.strip()[-300:])
                    else:
                        cruns.append({"records_s": c["nMsg.sec"], "records": int(c["data.consumed.in.nMsg"])})
                        log(f"weir consumer-perf-test {size} B {rep + 1}/{self.a.reps}: {c['nMsg.sec']:,.0f} rec/s")
                self.admin.delete_topics([t])
                self.check_broker()
            base = f"Weir produce {size} B, 1 part, acks=1"
            self.add("weir", f"weir producer-perf-test {size} B, 1 part, acks=1", pruns, size=size, peer_kind="produce",
                     targets=[(">= 1.0x rdkafka_performance", lambda row, b=base: self.vs_row(row, b) is not None
                               and self.vs_row(row, b) >= 1.0, lambda row, b=base: f"{self.vs_row(row, b):.2f}x")],
                     note=None if prod_ok else "not available in this build")
            self.add("weir", f"weir consumer-perf-test {size} B, 1 part", cruns, size=size, peer_kind="consume",
                     note=None if (prod_ok and cons_ok) else "not available in this build")

    def check_broker(self):
        if self.broker.poll() is not None:
            raise RuntimeError(f"broker exited with {self.broker.returncode}; see {self.broker_log}")

    # ------------------------------------------------------------ ratios and targets

    def best_peer(self, row):
        best = None
        for r in self.rows:
            if r["group"] == "peer" and r["peer_kind"] == row["peer_kind"] and r["size"] == row["size"] \
                    and r.get("records_s"):
                if best is None or r["records_s"]["median"] > best["records_s"]["median"]:
                    best = r
        return best

    def vs_peer(self, row, prefix=None):
        """(ratio, peer row) of records/s against the best peer (or the named one) at the same size."""
        if not row.get("records_s") or row["kind"] != "throughput":
            return None
        if prefix:
            peers = [r for r in self.rows if r["group"] == "peer" and r["name"].startswith(prefix)
                     and r["peer_kind"] == row["peer_kind"] and r["size"] == row["size"] and r.get("records_s")]
            peer = peers[0] if peers else None
        else:
            peer = self.best_peer(row)
        if not peer:
            return None
        return row["records_s"]["median"] / peer["records_s"]["median"], peer

    def vs_row(self, row, name):
        other = self.find(name)
        if not row.get("records_s") or not other or not other.get("records_s"):
            return None
        return row["records_s"]["median"] / other["records_s"]["median"]


def user_args():
    """The command line as typed to run.sh: without the three paths run.sh adds."""
    out, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a in ("--perf", "--weir-dll", "--node-path"):
            skip = True
        else:
            out.append(a)
    return out


def parse_kafka_consumer(out):
    """Kafka's ConsumerPerformance: a header line of comma-separated names, then one line of values."""
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    for i, line in enumerate(lines[:-1]):
        if line.startswith("start.time"):
            names = [x.strip() for x in line.split(",")]
            # the values line has as many fields (a log line could come in between)
            rows = [x for x in lines[i + 1:] if len(x.split(",")) == len(names)]
            if not rows:
                return None
            values = [x.strip() for x in rows[0].split(",")]
            d = {}
            for n, v in zip(names, values):
                try:
                    d[n] = float(v)
                except ValueError:
                    d[n] = v
            return d
    return None


# ---------------------------------------------------------------- output

def fnum(v):
    if v is None:
        return "-"
    a = abs(v)
    digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 0.1 else 3
    return f"{v:,.{digits}f}"


def frange(s):
    if not s:
        return "-"
    if s["n"] == 1:
        return fnum(s["median"])
    return f"{fnum(s['median'])} ({fnum(s['min'])}-{fnum(s['max'])})"


HEAD = ["measurement", "rec/s median (min-max)", "MB/s", "p50 ms", "p99 ms", "p99.9 ms", "other", "x TCP",
        "x best peer", "target", "result"]


def table(bench):
    rows = []
    tcp = bench.tcp["median"] if bench.tcp else None
    for r in bench.rows:
        recs = mbs = value = xtcp = xpeer = "-"
        pcts = ["-", "-", "-"]
        results = []
        if r["kind"] == "throughput":
            recs, mbs = frange(r["records_s"]), frange(r["mb_s"])
            if r["mb_s"] and tcp:
                xtcp = f"{r['mb_s']['median'] / tcp:.2f}"
            p99 = summarize([x.get("p99_ms") for x in r["runs"]])
            if p99:
                value = f"p99 {frange(p99)} ms (saturated)"
            if r["group"] != "peer":
                vp = bench.vs_peer(r)
                if vp:
                    xpeer = f"{vp[0]:.2f} ({vp[1]['name'].split()[0]})"
        elif r["kind"] == "latency":
            recs = frange(r["records_s"])
            pcts = [frange(r["latency"][p]) for p in ("p50", "p99", "p99.9")]
        else:
            value = f"{frange(r['value'])} {r['unit']}" if r["value"] else "-"
            if r["unit"] == "MB/s" and r["value"] and tcp and r["group"] != "limit":
                xtcp = f"{r['value']['median'] / tcp:.2f}"
        if not r["runs"]:
            value = r["note"] if r.get("note") == "not available in this build" else "no successful run (see problems)"
        for text, check, *detail in r["targets"]:
            try:
                ok = check(r) if r["runs"] else None
                extra = f" ({detail[0](r)})" if detail and ok is not None else ""
            except (TypeError, KeyError):
                ok, extra = None, ""
            results.append((text, ok, extra))
        r["target_results"] = [{"target": t, "pass": ok, "detail": extra.strip(" ()")} for t, ok, extra in results]
        target = "; ".join(t for t, _, _ in results) or ""
        result = "; ".join(("n/a" if ok is None else "PASS" if ok else "FAIL") + extra for _, ok, extra in results) or ""
        rows.append([r["name"], recs, mbs] + pcts + [value, xtcp, xpeer, target, result])
    return rows


def render_markdown(rows):
    widths = [max(len(HEAD[i]), *(len(r[i]) for r in rows)) for i in range(len(HEAD))]
    right = [False] + [True] * 8 + [False, False]

    def line(cells):
        return "| " + " | ".join(c.rjust(w) if right[i] else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if right[i] else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(HEAD), sep] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--perf", required=True, help="path of rdkafka_performance")
    ap.add_argument("--weir-dll", required=True, help="path of the published weir.dll")
    ap.add_argument("--node-path", required=True, help="node_modules holding the npm nats client")
    ap.add_argument("--out", default=None, help="directory for results.md/.csv/.json (default: a new temp dir)")
    ap.add_argument("--work-dir", default=None, help="parent of data dirs and fio files (default: system temp)")
    ap.add_argument("--quick", action="store_true", help="1 repeat, small counts, short runs: a smoke check")
    ap.add_argument("--reps", type=int, default=5, help="repeats per figure (5; at least 3 for a min-max)")
    ap.add_argument("--sizes", default="100,1024")
    ap.add_argument("--partitions", default="1,4")
    ap.add_argument("--acks", default="1,-1")
    ap.add_argument("--count-100", type=int, default=2_000_000, help="Weir records per run below 1 KiB")
    ap.add_argument("--count-1024", type=int, default=1_000_000, help="Weir records per run from 1 KiB")
    ap.add_argument("--peer-count-100", type=int, default=1_000_000, help="peer records per run below 1 KiB")
    ap.add_argument("--peer-count-1024", type=int, default=500_000, help="peer records per run from 1 KiB")
    ap.add_argument("--linger-ms", type=int, default=5, help="producer linger.ms for the throughput runs")
    ap.add_argument("--batch-size", type=int, default=1_000_000,
                    help="producer batch.size for the throughput runs, the same for both clients "
                         "(librdkafka's default; the Java client's is 16384)")
    ap.add_argument("--latency-sizes", default="100,1024")
    ap.add_argument("--latency-acks", default="1,-1")
    ap.add_argument("--latency-seconds", type=float, default=4.0, help="length of each latency run")
    ap.add_argument("--latency-linger-ms", type=int, default=0, help="producer linger.ms for the latency runs")
    ap.add_argument("--light-rate", type=int, default=1000, help="records/s of the light-load latency runs (0: skip)")
    ap.add_argument("--light-seconds", type=float, default=3.0, help="length of each light-load latency run")
    ap.add_argument("--nats-window", type=int, default=4096, help="outstanding JetStream publish acks")
    ap.add_argument("--disk-mib", type=int, default=1024, help="MiB per buffered fio run")
    ap.add_argument("--disk-sync-mib", type=int, default=256, help="MiB per fdatasync fio run")
    ap.add_argument("--idle-seconds", type=float, default=2.0, help="s after start before the idle RSS sample")
    ap.add_argument("--tcp-seconds", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=180, help="seconds before one client run counts as stalled")
    ap.add_argument("--keep-data", action="store_true", help="keep the work dir (data dirs)")
    args = ap.parse_args()
    if args.quick:
        args.reps = 1
        args.tcp_seconds = 1
        args.latency_seconds = 1.5
        args.light_seconds = 1.0
        args.disk_mib = 256
        args.disk_sync_mib = 64
        args.idle_seconds = 1.0

    b = Bench(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()
    log(f"results -> {b.out_dir}; work dir {b.work}; {args.reps} repeat(s) per figure")

    log("limits: loopback TCP (iperf3)")
    b.measure_tcp()
    log("limits: sequential disk writes (fio)")
    b.measure_disk()
    sizes = [int(x) for x in args.sizes.split(",")]
    for size in sizes:
        log(f"peer: Redis Streams, {size} B")
        b.measure_redis(size)
    for size in sizes:
        log(f"peer: NATS JetStream, {size} B")
        b.measure_nats(size)
    log("Weir: start time and idle RSS")
    b.measure_start()

    b.broker_log = os.path.join(b.out_dir, "broker.log")
    data_dir = os.path.join(b.work, "weir-data")
    proc, port = b.start_broker(data_dir, b.broker_log)
    if wait_port(port, proc, timeout=60) is None:
        raise RuntimeError(f"broker did not start; see {b.broker_log}")
    b.broker, b.bootstrap = proc, f"127.0.0.1:{port}"
    b.admin = KafkaAdminClient(bootstrap_servers=b.bootstrap, client_id="weir-bench")
    log(f"Weir broker pid {proc.pid} on {b.bootstrap}")
    try:
        log("Weir: rdkafka_performance produce and consume")
        b.measure_weir_rdkafka()
        log("Weir: latency at half the maximum rate")
        b.measure_latency()
        log("Weir: weir producer-perf-test / consumer-perf-test")
        b.measure_weir_tools()
    finally:
        try:
            b.admin.close()
        finally:
            stop(b.broker)

    with open(b.broker_log) as f:
        suspicious = [line for line in f.read().splitlines()
                      if re.search(r"\b(fail|error|exception|warn|crit)", line, re.IGNORECASE)]

    rows = table(b)
    md = render_markdown(rows)
    meta = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["bench/run.sh"] + user_args()),
        "host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release(),
        "load_avg_start": load_start, "load_avg_end": os.getloadavg(),
        "duration_s": round(time.monotonic() - T0),
        "reps": args.reps, "quick": args.quick,
        "weir_records_per_run": {"<1KiB": b.count(100), ">=1KiB": b.count(1024)},
        "peer_records_per_run": {"<1KiB": b.count(100, True), ">=1KiB": b.count(1024, True)},
        "producer": f"rdkafka_performance (librdkafka 2.0.2), linger.ms={args.linger_ms}, batch.size={args.batch_size}, no key",
        "mb": "10^6 bytes of record values",
        "tools_available": getattr(b, "tools_available", {}),
    }
    header = (f"Weir whole-system benchmark, {meta['date_utc']}, {meta['cpus']} CPUs, load average "
              f"{load_start[0]:.1f} at start, {meta['load_avg_end'][0]:.1f} at end, {meta['duration_s'] // 60} min\n"
              f"Median (min-max) of {args.reps} run(s). Records per run: Weir {b.count(100):,} x 100 B / "
              f"{b.count(1024):,} x 1 KiB; peers {b.count(100, True):,} / {b.count(1024, True):,}. "
              f"MB = 10^6 B of record values. x TCP = MB/s / loopback TCP MB/s; x best peer = rec/s / the "
              f"best peer's rec/s at the same size.\n")
    by_note = {}
    for r in b.rows:
        if r.get("note") and r["note"] != "not available in this build":
            by_note.setdefault(r["note"], []).append(r.get("note_label") or r["name"])
    notes = [f"- {'; '.join(dict.fromkeys(names))}: {note}" for note, names in by_note.items()]
    notes.append("- Rows naming no tool ran rdkafka_performance (librdkafka 2.0.2) against one Weir broker, "
                 "no key, linger.ms=" + str(args.linger_ms) + "; consume = rdkafka_performance -C from the beginning.")

    with open(os.path.join(b.out_dir, "results.md"), "w") as f:
        f.write(header + "\n" + md + "\n\n" + "\n".join(notes) + "\n")
    with open(os.path.join(b.out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": [{k: v for k, v in r.items() if k != "targets"} for r in b.rows],
                   "problems": b.problems, "broker_log_suspicious_lines": suspicious[:200]}, f, indent=2)
    with open(os.path.join(b.out_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "measurement", "record_size", "runs",
                    "records_s_median", "records_s_min", "records_s_max", "mb_s_median", "mb_s_min", "mb_s_max",
                    "value_median", "value_min", "value_max", "value_unit",
                    "p50_ms_median", "p50_ms_min", "p50_ms_max", "p99_ms_median", "p99_ms_min", "p99_ms_max",
                    "p99_9_ms_median", "p99_9_ms_min", "p99_9_ms_max",
                    "vs_loopback_tcp", "vs_best_peer", "best_peer", "targets", "results", "note"])
        tcp = b.tcp["median"] if b.tcp else None
        for r, cells in zip(b.rows, rows):
            def trio(s):
                return [s["median"], s["min"], s["max"]] if s else [None, None, None]
            lat = r.get("latency") or {}
            vp = b.vs_peer(r) if r["group"] != "peer" else None
            mb = (r.get("mb_s") or {}).get("median") or ((r.get("value") or {}).get("median")
                                                         if r.get("unit") == "MB/s" and r["group"] != "limit" else None)
            w.writerow([r["group"], r["name"], r["size"], len(r["runs"])]
                       + trio(r.get("records_s")) + trio(r.get("mb_s")) + trio(r.get("value")) + [r.get("unit")]
                       + trio(lat.get("p50")) + trio(lat.get("p99")) + trio(lat.get("p99.9"))
                       + [mb / tcp if mb and tcp else None, vp[0] if vp else None, vp[1]["name"] if vp else None,
                          cells[-2], cells[-1], r.get("note")])

    print()
    print(header)
    print(md)
    print()
    print("\n".join(notes))
    print()
    if b.problems:
        print(f"{len(b.problems)} problem(s):")
        for p in b.problems:
            print("  " + p)
    else:
        print("No client errors, no short deliveries or reads, no stalls.")
    if suspicious:
        print(f"broker log: {len(suspicious)} line(s) mentioning fail/error/exception/warn, e.g.:")
        for line in suspicious[:10]:
            print("  " + line[:300])
    print(f"\nresults: {b.out_dir}/results.md, results.csv, results.json, broker.log")
    if args.keep_data:
        print(f"work dir kept: {b.work}")
    else:
        shutil.rmtree(b.work, ignore_errors=True)
    return 1 if b.problems else 0


if __name__ == "__main__":
    sys.exit(main())
