"""kafka-python 2.0.2 classic group against Weir: three consumers in one group on a 6-partition
topic, a member leaving, committed offsets carrying consumption across the rebalance, and a
second group that sees every record too. Exits non-zero with a reason on the first failure;
prints a JSON summary on success. Usage: kafka_python_group.py BOOTSTRAP TOPIC"""
import json
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer

BOOTSTRAP, TOPIC = sys.argv[1], sys.argv[2]
PARTITIONS = 6
GROUP = TOPIC + "-g1"
OTHER_GROUP = TOPIC + "-g2"
DEADLINE_S = 90


def fail(message):
    print("FAIL: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def wait_until(what, condition, timeout=DEADLINE_S):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    fail("timed out waiting until " + what)


class Member(threading.Thread):
    """One consumer on its own thread: poll, record, commit synchronously, repeat."""

    def __init__(self, name, group, log, lock):
        super().__init__(daemon=True)
        self.name, self.group, self.log, self.lock = name, group, log, lock
        self.assignment = set()
        self.stop = threading.Event()
        self.error = None
        self.consumer = KafkaConsumer(
            TOPIC, bootstrap_servers=BOOTSTRAP, group_id=group, client_id=name,
            session_timeout_ms=6000, heartbeat_interval_ms=1000, enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=50)

    def run(self):
        try:
            while not self.stop.is_set():
                polled = self.consumer.poll(timeout_ms=200)
                records = [r for batch in polled.values() for r in batch]
                if records:
                    self.consumer.commit()  # synchronous: the offsets are stored before we record them as done
                with self.lock:
                    self.assignment = {tp.partition for tp in self.consumer.assignment()}
                    for r in records:
                        self.log.append((self.name, r.partition, r.offset, r.value))
            # close(): LeaveGroup, so the others rebalance at once rather than after the session timeout.
            self.consumer.close()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = repr(e)


def check_no_duplicates(log, expected):
    seen = {}
    for name, partition, offset, _ in log:
        key = (partition, offset)
        if key in seen:
            fail(f"record {key} consumed twice: by {seen[key]} and {name}")
        seen[key] = name
    if len(seen) != expected:
        fail(f"expected {expected} distinct records, got {len(seen)}")


def produce(producer, start, count):
    for i in range(start, start + count):
        producer.send(TOPIC, value=f"v{i}".encode(), partition=i % PARTITIONS)
    producer.flush()


lock = threading.Lock()
log = []
members = [Member(f"m{i}", GROUP, log, lock) for i in range(3)]
for m in members:
    m.start()


def assignments():
    with lock:
        return [set(m.assignment) for m in members if m.is_alive() and not m.stop.is_set()]


def errors():
    return [m.name + ": " + m.error for m in members if m.error]


def balanced(expected_members, per_member):
    a = assignments()
    if errors():
        fail("consumer error: " + "; ".join(errors()))
    union = set().union(*a) if a else set()
    return len(a) == expected_members and all(len(x) == per_member for x in a) and union == set(range(PARTITIONS))


wait_until("three members own two partitions each", lambda: balanced(3, 2))
first_assignment = [sorted(x) for x in assignments()]

producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
produce(producer, 0, 300)


def consumed():
    with lock:
        return len(log)


wait_until("the group consumed the first 300 records", lambda: consumed() >= 300)
with lock:
    check_no_duplicates(list(log), 300)

# One member leaves; the other two take over its partitions from its committed offsets.
members[0].stop.set()
members[0].join(30)
if members[0].is_alive() or members[0].error:
    fail("member m0 did not close cleanly: " + str(members[0].error))
wait_until("two members own all six partitions", lambda: balanced(2, 3))
second_assignment = [sorted(x) for x in assignments()]

produce(producer, 300, 300)
wait_until("the group consumed all 600 records", lambda: consumed() >= 600)
with lock:
    check_no_duplicates(list(log), 600)
    values = sorted(int(v[1:]) for _, _, _, v in log)
if values != list(range(600)):
    fail("consumed values are not exactly v0..v599")

for m in members[1:]:
    m.stop.set()
for m in members[1:]:
    m.join(30)
if errors():
    fail("consumer error: " + "; ".join(errors()))

# A second group reads the same topic independently: every record again.
other_log = []
other = Member("o0", OTHER_GROUP, other_log, lock)
other.start()
wait_until("the second group consumed all 600 records", lambda: len(other_log) >= 600 or other.error is not None)
other.stop.set()
other.join(30)
if other.error:
    fail("second group consumer error: " + other.error)
check_no_duplicates(other_log, 600)

producer.close()
print(json.dumps({
    "first_assignment": first_assignment,
    "second_assignment": second_assignment,
    "group1_records": len(log),
    "group2_records": len(other_log),
}))
