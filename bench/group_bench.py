#!/usr/bin/env python3
"""Consumer-group benchmarks (python3-confluent-kafka / librdkafka), used by bench/group-bench.sh.

  group_bench.py rebalance BOOTSTRAP [REPEATS=3] [PARTITIONS=60]
      10 members (classic protocol, range assignor, heartbeat.interval.ms=1000) join one group on a
      topic of PARTITIONS partitions; once all 10 hold an assignment, an 11th member joins. Time from
      the 11th member's subscribe() to every one of the 11 members having received its new assignment
      (on_assign after the join). Repeated with a fresh group each time.
  group_bench.py commit BOOTSTRAP COMMITTERS SECONDS
      COMMITTERS threads, each with its own client, each committing synchronously
      (commit(asynchronous=False)) an increasing offset for its own partition of one group, for
      SECONDS; prints commits/s in total.
"""
import sys, threading, time, uuid
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create_topic(bootstrap, name, parts):
    a = AdminClient({"bootstrap.servers": bootstrap})
    for f in a.create_topics([NewTopic(name, parts, 1)]).values():
        f.result(30)


class Member(threading.Thread):
    def __init__(self, bootstrap, group, topic):
        super().__init__(daemon=True)
        self.c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 10000,
                           "heartbeat.interval.ms": 1000, "partition.assignment.strategy": "range",
                           "enable.auto.commit": False})
        self.topic = topic
        self.assigned_at = None; self.assignment = []
        self.running = True

    def on_assign(self, c, parts):
        self.assignment = parts; self.assigned_at = time.monotonic()

    def run(self):
        self.subscribed_at = time.monotonic()
        self.c.subscribe([self.topic], on_assign=self.on_assign)
        while self.running:
            self.c.poll(0.05)
        self.c.close()


def wait_until(pred, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred(): return True
        time.sleep(0.01)
    return False


def rebalance(bootstrap, repeats=3, parts=60):
    topic = "gbench-" + uuid.uuid4().hex[:8]
    create_topic(bootstrap, topic, int(parts))
    results = []
    for r in range(int(repeats)):
        group = "gbench-" + uuid.uuid4().hex[:8]
        members = [Member(bootstrap, group, topic) for _ in range(10)]
        for m in members: m.start()
        if not wait_until(lambda: all(m.assigned_at for m in members) and
                          sum(len(m.assignment) for m in members) == int(parts), 60):
            sys.exit("10 members did not all get an assignment within 60 s")
        time.sleep(3)   # let the group settle (Stable)
        t0 = time.monotonic()
        new = Member(bootstrap, group, topic); new.start()
        ok = wait_until(lambda: new.assigned_at and all(m.assigned_at and m.assigned_at > t0 for m in members), 60)
        t1 = max(m.assigned_at for m in members + [new])
        total = sum(len(m.assignment) for m in members + [new])
        if not ok or total != int(parts):
            sys.exit(f"rebalance after the 11th join incomplete (ok={ok}, partitions assigned {total})")
        results.append(t1 - t0)
        print(f"run {r + 1}: 11th member joined, all 11 members reassigned after {(t1 - t0) * 1000:.0f} ms", flush=True)
        for m in members + [new]: m.running = False
        for m in members + [new]: m.join(20)
    print(f"rebalance 10 -> 11 members: min {min(results)*1000:.0f} ms, "
          f"median {sorted(results)[len(results)//2]*1000:.0f} ms, max {max(results)*1000:.0f} ms")


def commit(bootstrap, committers, secs):
    committers, secs = int(committers), float(secs)
    topic = "gbench-c-" + uuid.uuid4().hex[:8]
    create_topic(bootstrap, topic, committers)
    group = "gbench-c-" + uuid.uuid4().hex[:8]
    counts = [0] * committers
    errors = [0] * committers
    start = threading.Barrier(committers + 1)
    stop_at = [0.0]

    def run(i):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        c.commit(offsets=[TopicPartition(topic, i, 0)], asynchronous=False)   # warm up connection
        start.wait()
        n = 0
        while time.monotonic() < stop_at[0]:
            n += 1
            try:
                c.commit(offsets=[TopicPartition(topic, i, n)], asynchronous=False)
                counts[i] += 1
            except Exception:
                errors[i] += 1
        c.close()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(committers)]
    for t in ts: t.start()
    stop_at[0] = time.monotonic() + 3600
    start.wait()
    t0 = time.monotonic(); stop_at[0] = t0 + secs
    for t in ts: t.join(secs + 30)
    el = time.monotonic() - t0
    print(f"OffsetCommit, {committers} committer(s), synchronous: {sum(counts)} commits in {el:.1f} s = "
          f"{sum(counts) / el:.0f} commits/s ({sum(errors)} errors)")


if __name__ == "__main__":
    {"rebalance": rebalance, "commit": commit}[sys.argv[1]](*sys.argv[2:])
