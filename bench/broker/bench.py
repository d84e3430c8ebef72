#!/usr/bin/python3
"""Whole-broker benchmark driver (called by bench/broker/run.sh, which builds what it needs).

Measures raw loopback TCP with iperf3, then starts a fresh Weir broker and, for every
record size x partition count x acks, runs rdkafka_performance as a producer (throughput and
per-message latency under saturation), as a simple consumer from the beginning, and as a
rate-limited producer (latency under light load). Each measurement is repeated; the report
gives medians with min-max. MB are 10^6 bytes of record values (what rdkafka_performance counts).
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from kafka.admin import KafkaAdminClient, NewTopic

PRODUCE_RE = re.compile(
    r"% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset (-?\d+), (\d+) failed\) "
    r"in (\d+)ms: (\d+) msgs/s and ([\d.]+) MB/s, (\d+) produce failures")
CONSUME_RE = re.compile(r"% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs/s \(([\d.]+) MB/s\)")


def last_match(regex, text):
    """rdkafka_performance prints its summary line every second and once more at the end."""
    found = None
    for found in regex.finditer(text):
        pass
    return found


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def read_latencies_ms(path):
    """rdkafka_performance -A writes one latency per delivered message, in microseconds."""
    with open(path) as f:
        values = sorted(int(line) / 1000.0 for line in f if line.strip())
    return {
        "n": len(values),
        "avg": sum(values) / len(values) if values else None,
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": values[-1] if values else None,
    }


def proc_cpu_seconds(pid):
    """utime + stime of a process, from /proc (clock ticks -> seconds)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def run_timed(cmd, timeout, broker_pid=None):
    """Runs cmd; returns (stdout+stderr, wall s, child cpu s, broker cpu s, timed_out)."""
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b0 = proc_cpu_seconds(broker_pid) if broker_pid else 0.0
    t0 = time.monotonic()
    timed_out = False
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        out = p.stdout
    except subprocess.TimeoutExpired as e:
        timed_out = True
        out = (e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")) + "\n[timed out]"
    wall = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b1 = proc_cpu_seconds(broker_pid) if broker_pid else 0.0
    child_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return out, wall, child_cpu, b1 - b0, timed_out


# ---------------------------------------------------------------- loopback reference

def measure_tcp(reps, seconds):
    results = []
    for i in range(reps):
        port = free_port()
        server = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            mbps = None
            for _ in range(50):  # the server needs a moment to listen ("connection refused" until then)
                p = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds), "-J"],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                try:
                    mbps = json.loads(p.stdout)["end"]["sum_received"]["bits_per_second"] / 8 / 1e6
                    break
                except (ValueError, KeyError):
                    time.sleep(0.1)
            if mbps is None:
                raise RuntimeError(f"iperf3 client failed: {p.stdout[-500:]}")
            results.append(mbps)
            log(f"loopback TCP run {i + 1}: {mbps:,.0f} MB/s")
        finally:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return results


# ---------------------------------------------------------------- broker

class Broker:
    def __init__(self, dll, data_dir, log_path):
        self.dll, self.data_dir, self.log_path = dll, data_dir, log_path
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(5):
            port = free_port()
            logf = open(self.log_path, "a")
            proc = subprocess.Popen(
                ["dotnet", self.dll, "start",
                 "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}",
                 "--override", f"log.dirs={self.data_dir}",
                 "--override", "num.partitions=1",
                 "--override", "auto.create.topics.enable=false"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    break
                with open(self.log_path) as f:
                    if f"listening on 127.0.0.1:{port}" in f.read():
                        self.proc, self.port = proc, port
                        return
                time.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log(f"broker did not start on port {port}; retrying")
        raise RuntimeError(f"broker did not start; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"


# ---------------------------------------------------------------- one configuration

def produce(perf, broker, topic, size, count, acks, linger, lat_path, timeout, rate=None):
    cmd = [perf, "-P", "-t", topic, "-b", broker.bootstrap, "-s", str(size), "-c", str(count),
           "-a", str(acks), "-X", f"linger.ms={linger}", "-l", "-A", lat_path]
    if rate:
        cmd += ["-r", str(rate)]
    out, wall, cpu, bcpu, timed_out = run_timed(cmd, timeout, broker.proc.pid)
    m = last_match(PRODUCE_RE, out)
    r = {"wall_s": wall, "client_cpu_s": cpu, "broker_cpu_s": bcpu, "timed_out": timed_out}
    problems = []
    if not m:
        problems.append("no summary line: " + out.strip()[-400:])
    else:
        produced, nbytes, delivered, _, failed, ms, msgs_s, mb_s, backpressure = m.groups()
        r.update({"records": int(delivered), "elapsed_ms": int(ms), "records_s": int(msgs_s),
                  "mb_s": float(mb_s), "failed": int(failed), "backpressure": int(backpressure)})
        if int(delivered) != count or int(failed):
            problems.append(f"delivered {delivered} of {count}, {failed} failed")
    if timed_out:
        problems.append(f"timed out after {timeout}s")
    for line in out.splitlines():  # librdkafka log lines (%3 = error, %4 = warning), minus config noise
        if re.match(r"%[0-4]\|", line) and "CONFWARN" not in line:
            problems.append(line.strip())
    if os.path.exists(lat_path):
        r["latency_ms"] = read_latencies_ms(lat_path)
        os.remove(lat_path)
    r["problems"] = problems
    return r


def consume(perf, broker, topic, partitions, count, timeout):
    cmd = [perf, "-C", "-t", topic, "-b", broker.bootstrap, "-o", "beginning", "-c", str(count)]
    for p in range(partitions):
        cmd += ["-p", str(p)]
    out, wall, cpu, bcpu, timed_out = run_timed(cmd, timeout, broker.proc.pid)
    m = last_match(CONSUME_RE, out)
    r = {"wall_s": wall, "client_cpu_s": cpu, "broker_cpu_s": bcpu, "timed_out": timed_out}
    problems = []
    if not m:
        problems.append("no summary line: " + out.strip()[-400:])
    else:
        msgs, nbytes, ms, msgs_s, mb_s = m.groups()
        r.update({"records": int(msgs), "elapsed_ms": int(ms), "records_s": int(msgs_s), "mb_s": float(mb_s)})
        if int(msgs) != count:
            problems.append(f"consumed {msgs} of {count}")
    if timed_out:
        problems.append(f"timed out after {timeout}s")
    for line in out.splitlines():
        if (re.match(r"%[0-4]\|", line) and "CONFWARN" not in line) or line.startswith("% Consume error"):
            problems.append(line.strip())
    r["problems"] = problems
    return r


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# ---------------------------------------------------------------- output

def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def fmt_range(s, digits=0):
    if s["median"] is None:
        return "-"
    return f"{fmt(s['median'], digits)} ({fmt(s['min'], digits)}-{fmt(s['max'], digits)})"


def lat_pair(s50, s99):
    if s50["median"] is None:
        return "-"
    def digits(v):
        return 2 if v < 1 else 1 if v < 100 else 0

    return f"{fmt(s50['median'], digits(s50['median']))} / {fmt(s99['median'], digits(s99['median']))}"


TABLE_COLUMNS = [
    ("config", "config"),
    ("produce MB/s", "produce MB/s median (min-max)"),
    ("produce rec/s", "produce records/s"),
    ("p50 / p99 ms (saturated)", "produce latency p50 / p99, ms, under saturation"),
    ("p50 / p99 ms (1k/s)", "produce latency p50 / p99, ms, at 1,000 records/s, linger.ms=0"),
    ("broker CPU", "broker CPU while producing, % of one core"),
    ("consume MB/s", "consume MB/s median (min-max)"),
    ("consume rec/s", "consume records/s"),
    ("produce / TCP", "produce MB/s / loopback TCP MB/s"),
    ("consume / TCP", "consume MB/s / loopback TCP MB/s"),
]


def table_rows(results, tcp_median):
    rows = []
    for c in results:
        s = c["summary"]
        rows.append([
            c["config"],
            fmt_range(s["produce_mb_s"], 1),
            fmt(s["produce_records_s"]["median"]),
            lat_pair(s["produce_lat_p50_ms"], s["produce_lat_p99_ms"]),
            lat_pair(s["light_lat_p50_ms"], s["light_lat_p99_ms"]),
            fmt(s["produce_broker_cpu_pct"]["median"]) + "%" if s["produce_broker_cpu_pct"]["median"] is not None else "-",
            fmt_range(s["consume_mb_s"], 1),
            fmt(s["consume_records_s"]["median"]),
            f"{s['produce_mb_s']['median'] / tcp_median:.3f}" if s["produce_mb_s"]["median"] else "-",
            f"{s['consume_mb_s']['median'] / tcp_median:.3f}" if s["consume_mb_s"]["median"] else "-",
        ])
    return rows


def markdown_table(rows):
    head = [c[0] for c in TABLE_COLUMNS]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--perf", required=True, help="path of rdkafka_performance")
    ap.add_argument("--weir-dll", required=True, help="path of the published weir.dll")
    ap.add_argument("--out", default=None, help="directory for results.csv/.json/.md (default: a new temp dir)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sizes", default="100,1024")
    ap.add_argument("--partitions", default="1,4")
    ap.add_argument("--acks", default="1,-1")
    ap.add_argument("--count-100", type=int, default=2_000_000, help="records per run of 100 B (and other sizes < 1024)")
    ap.add_argument("--count-1024", type=int, default=1_000_000, help="records per run of 1024 B (and larger)")
    ap.add_argument("--linger-ms", type=int, default=5)
    ap.add_argument("--light-rate", type=int, default=1000, help="records/s of the light-load latency run (0: skip)")
    ap.add_argument("--light-count", type=int, default=3000)
    ap.add_argument("--tcp-seconds", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=180, help="seconds before one client run counts as stalled")
    ap.add_argument("--keep-data", action="store_true", help="keep the broker's data dir and log")
    args = ap.parse_args()

    out_dir = args.out or tempfile.mkdtemp(prefix="weir-brokerbench-")
    os.makedirs(out_dir, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_start = os.getloadavg()  # the box is shared: say how busy it was

    log(f"loopback TCP reference: iperf3, 1 stream, {args.tcp_seconds} s x {args.reps}")
    tcp = measure_tcp(args.reps, args.tcp_seconds)
    tcp_s = summarize(tcp)

    work = tempfile.mkdtemp(prefix="weir-brokerbench-data-")
    data_dir = os.path.join(work, "data")
    broker_log = os.path.join(out_dir, "broker.log")
    lat_path = os.path.join(work, "latency.txt")

    broker = Broker(args.weir_dll, data_dir, broker_log)
    broker.start()
    log(f"broker pid {broker.proc.pid} on {broker.bootstrap}, data in {data_dir}")
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="weir-brokerbench")

    results = []
    all_problems = []
    try:
        for size in [int(x) for x in args.sizes.split(",")]:
            count = args.count_100 if size < 1024 else args.count_1024
            for partitions in [int(x) for x in args.partitions.split(",")]:
                for acks in [int(x) for x in args.acks.split(",")]:
                    name = f"{size} B, {partitions} part, acks={acks}"
                    runs = []
                    for rep in range(1, args.reps + 1):
                        topic = f"bench-s{size}-p{partitions}-a{'all' if acks == -1 else acks}-r{rep}"
                        admin.create_topics([NewTopic(topic, partitions, 1)])
                        p = produce(args.perf, broker, topic, size, count, acks, args.linger_ms, lat_path, args.timeout)
                        c = consume(args.perf, broker, topic, partitions, count, args.timeout)
                        light = None
                        if args.light_rate:
                            light = produce(args.perf, broker, topic, size, args.light_count, acks, 0, lat_path,
                                            args.timeout, rate=args.light_rate)
                        admin.delete_topics([topic])
                        run = {"rep": rep, "topic": topic, "produce": p, "consume": c, "light": light,
                               "broker_rss_mb": proc_rss_mb(broker.proc.pid)}
                        runs.append(run)
                        for phase in ("produce", "consume", "light"):
                            for problem in (run[phase] or {}).get("problems", []):
                                all_problems.append(f"{name} rep {rep} {phase}: {problem}")
                                log(f"PROBLEM {name} rep {rep} {phase}: {problem}")
                        pl = p.get("latency_ms") or {}
                        log(f"{name} rep {rep}: produce {p.get('mb_s', 0):.1f} MB/s "
                            f"(p50 {fmt(pl.get('p50'), 1)} ms, broker CPU {100 * p['broker_cpu_s'] / p['wall_s']:.0f}%), "
                            f"consume {c.get('mb_s', 0):.1f} MB/s"
                            + (f", 1k/s p50 {fmt((light.get('latency_ms') or {}).get('p50'), 2)} ms" if light else ""))
                        if broker.proc.poll() is not None:
                            raise RuntimeError(f"broker exited with {broker.proc.returncode}; see {broker_log}")

                    def col(phase, key, sub=None):
                        vals = []
                        for r in runs:
                            d = r[phase] or {}
                            v = d.get(key)
                            if sub is not None:
                                v = (v or {}).get(sub)
                            vals.append(v)
                        return summarize(vals)

                    summary = {
                        "produce_mb_s": col("produce", "mb_s"),
                        "produce_records_s": col("produce", "records_s"),
                        "produce_lat_p50_ms": col("produce", "latency_ms", "p50"),
                        "produce_lat_p99_ms": col("produce", "latency_ms", "p99"),
                        "produce_broker_cpu_pct": summarize(
                            [100 * r["produce"]["broker_cpu_s"] / r["produce"]["wall_s"] for r in runs]),
                        "consume_mb_s": col("consume", "mb_s"),
                        "consume_records_s": col("consume", "records_s"),
                        "light_lat_p50_ms": col("light", "latency_ms", "p50"),
                        "light_lat_p99_ms": col("light", "latency_ms", "p99"),
                    }
                    results.append({"config": name, "record_size": size, "partitions": partitions, "acks": acks,
                                    "records_per_run": count, "summary": summary, "runs": runs})
    finally:
        try:
            admin.close()
        finally:
            broker.stop()

    with open(broker_log) as f:
        broker_log_text = f.read()
    suspicious = [line for line in broker_log_text.splitlines()
                  if re.search(r"\b(fail|error|exception|warn|crit)", line, re.IGNORECASE)]

    # ---- outputs
    meta = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "host": platform.node(), "cpus": os.cpu_count(), "load_avg_start": load_start, "load_avg_end": os.getloadavg(),
        "kernel": platform.release(),
        "client": "rdkafka_performance (librdkafka 2.0.2)",
        "producer_settings": f"linger.ms={args.linger_ms}, other librdkafka 2.0.2 defaults, -l latency stamping",
        "light_load": f"{args.light_count} records at {args.light_rate}/s, linger.ms=0" if args.light_rate else None,
        "mb": "10^6 bytes of record values",
        "reps": args.reps,
        "tcp_loopback_mb_s": {**tcp_s, "runs": tcp},
    }
    rows = table_rows(results, tcp_s["median"])
    md = markdown_table(rows)
    header = (f"Weir whole-broker benchmark, {meta['date_utc']}, {meta['cpus']} CPUs, "
              f"load average {meta['load_avg_start'][0]:.1f} at start, {meta['load_avg_end'][0]:.1f} at end\n"
              f"Loopback TCP (iperf3, 1 stream): {fmt_range(tcp_s, 0)} MB/s\n"
              f"Records per run: {args.count_100:,} x <1 KiB, {args.count_1024:,} x >=1 KiB; "
              f"median (min-max) of {args.reps} runs\n")

    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(header + "\n" + md + "\n")
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump({"meta": meta, "configs": results, "problems": all_problems,
                   "broker_log_suspicious_lines": suspicious[:200]}, f, indent=2)
    with open(os.path.join(out_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        keys = ["produce_mb_s", "produce_records_s", "produce_lat_p50_ms", "produce_lat_p99_ms",
                "produce_broker_cpu_pct", "consume_mb_s", "consume_records_s", "light_lat_p50_ms",
                "light_lat_p99_ms"]
        w.writerow(["config", "record_size", "partitions", "acks", "records_per_run"]
                   + [f"{k}_{s}" for k in keys for s in ("median", "min", "max")]
                   + ["produce_vs_tcp", "consume_vs_tcp", "tcp_loopback_mb_s"])
        for c in results:
            s = c["summary"]
            w.writerow([c["config"], c["record_size"], c["partitions"], c["acks"], c["records_per_run"]]
                       + [s[k][st] for k in keys for st in ("median", "min", "max")]
                       + [s["produce_mb_s"]["median"] / tcp_s["median"] if s["produce_mb_s"]["median"] else None,
                          s["consume_mb_s"]["median"] / tcp_s["median"] if s["consume_mb_s"]["median"] else None,
                          tcp_s["median"]])

    print()
    print(header)
    print(md)
    print()
    if all_problems:
        print(f"{len(all_problems)} problem(s):")
        for p in all_problems:
            print("  " + p)
    else:
        print("No client errors, no short deliveries, no stalls.")
    if suspicious:
        print(f"broker log: {len(suspicious)} line(s) mentioning fail/error/exception/warn, e.g.:")
        for line in suspicious[:10]:
            print("  " + line[:300])
    print(f"\nresults: {out_dir}/results.md, results.csv, results.json, broker.log")

    if args.keep_data:
        print(f"broker data kept in {data_dir}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
