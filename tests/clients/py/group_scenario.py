#!/usr/bin/env python3
"""Helpers for tests/clients/group-scenario-*.sh (one consumer-group scenario per client library).

  group_scenario.py produce BOOTSTRAP TOPIC N PARTITIONS OUT   create TOPIC, produce N keyed records
                                                               (confluent-kafka, acks=all); OUT gets "p o key"
  group_scenario.py confluent BOOTSTRAP TOPIC GROUP OUT SECS   consumer worker (python3-confluent-kafka)
  group_scenario.py kafkapython BOOTSTRAP TOPIC GROUP OUT SECS consumer worker (kafka-python)
  group_scenario.py check PRODUCED OUT...                      every produced record processed; duplicates bounded

A worker processes records slowly (about 1,000/s), writes "p o key" per processed record to OUT
(flushed per batch, before the commit), commits synchronously after each batch and appends
"C p next_offset" to OUT.commits after each successful commit. SIGTERM: leave cleanly (close()).
It stops by itself after SECS seconds.
"""
import os, signal, sys, time

stop = False
def _term(*_):
    global stop
    stop = True

RATE_SLEEP = float(os.environ.get("GS_BATCH_SLEEP", "0.1"))   # per batch of <= 100 records
SESSION_MS = int(os.environ.get("GS_SESSION_MS", "6000"))


def produce(bootstrap, topic, n, parts, out):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    a = AdminClient({"bootstrap.servers": bootstrap})
    for f in a.create_topics([NewTopic(topic, int(parts), 1)]).values():
        f.result(30)
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    f = open(out, "w")
    errs = []
    def dr(err, m):
        if err: errs.append(err)
        else: f.write(f"{m.partition()} {m.offset()} {m.key().decode()}\n")
    for i in range(int(n)):
        while True:
            try:
                p.produce(topic, key=f"k{i}", value=f"v{i}", on_delivery=dr); break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(60)
    f.close()
    if errs or left:
        sys.exit(f"produce: {len(errs)} errors ({errs[:3]}), {left} undelivered")


def worker_confluent(bootstrap, topic, group, out, secs):
    from confluent_kafka import Consumer, KafkaException
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_MS,
                  "heartbeat.interval.ms": 1000, "max.poll.interval.ms": 60000,
                  "reconnect.backoff.max.ms": 1000})
    c.subscribe([topic])
    f = open(out, "a"); fc = open(out + ".commits", "a")
    deadline = time.time() + secs
    while not stop and time.time() < deadline:
        msgs = c.consume(100, 1.0)
        batch = [m for m in msgs if not m.error()]
        if not batch:
            continue
        for m in batch:
            f.write(f"{m.partition()} {m.offset()} {m.key().decode()}\n")
        f.flush()
        time.sleep(RATE_SLEEP)
        try:
            res = c.commit(asynchronous=False)
            for tp in res or []:
                if tp.error is None and tp.offset >= 0:
                    fc.write(f"C {tp.partition} {tp.offset}\n")
            fc.flush()
        except KafkaException as e:
            print(f"commit failed: {e}", file=sys.stderr)
    c.close()


def worker_kafkapython(bootstrap, topic, group, out, secs):
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError
    c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      auto_offset_reset="earliest", session_timeout_ms=SESSION_MS,
                      heartbeat_interval_ms=1000, max_poll_records=100, max_poll_interval_ms=60000,
                      reconnect_backoff_max_ms=1000, request_timeout_ms=30000)
    c.subscribe([topic])
    f = open(out, "a"); fc = open(out + ".commits", "a")
    deadline = time.time() + secs
    while not stop and time.time() < deadline:
        try:
            recs = c.poll(timeout_ms=1000, max_records=100)
        except KafkaError as e:
            print(f"poll failed: {e!r}", file=sys.stderr); time.sleep(0.5); continue
        batch = [m for ms in recs.values() for m in ms]
        if not batch:
            continue
        for m in batch:
            f.write(f"{m.partition} {m.offset} {m.key.decode()}\n")
        f.flush()
        time.sleep(RATE_SLEEP)
        try:
            offs = {}
            for m in batch:
                from kafka.structs import TopicPartition, OffsetAndMetadata
                offs[TopicPartition(m.topic, m.partition)] = m.offset + 1
            # commit what this batch processed (positions could be ahead after a reassignment)
            c.commit({tp: OffsetAndMetadata(o, "") if _OAM_ARGS == 2 else OffsetAndMetadata(o, "", -1)
                      for tp, o in offs.items()})
            for tp, o in offs.items():
                fc.write(f"C {tp.partition} {o}\n")
            fc.flush()
        except Exception as e:
            print(f"commit failed: {e!r}", file=sys.stderr)
    c.close()


def _oam_args():
    try:
        from kafka.structs import OffsetAndMetadata
        return len(OffsetAndMetadata._fields)
    except Exception:
        return 2
_OAM_ARGS = _oam_args()


def check(produced, outs):
    prod = {}
    for l in open(produced):
        p, o, k = l.split(); prod[(int(p), int(o))] = k
    seen = {}
    bad_key = 0
    per_consumer = []
    for path in outs:
        n = 0
        for l in open(path):
            parts = l.split()
            if len(parts) != 3: continue   # a line torn by SIGKILL
            p, o, k = int(parts[0]), int(parts[1]), parts[2]
            if prod.get((p, o)) != k: bad_key += 1
            seen[(p, o)] = seen.get((p, o), 0) + 1; n += 1
        per_consumer.append(f"{os.path.basename(path)}={n}")
    missing = [po for po in prod if po not in seen]
    dups = sum(c - 1 for c in seen.values() if c > 1)
    bound = max(1, len(prod) // 20)
    print(f"produced {len(prod)}, distinct processed {len(seen)}, missing {len(missing)}, "
          f"duplicates {dups} (bound {bound}), wrong key {bad_key}; per consumer: {' '.join(per_consumer)}")
    ok = True
    if len(prod) == 0: print("FAIL: nothing produced"); ok = False
    if missing: print(f"FAIL: {len(missing)} records never processed, first {sorted(missing)[:5]}"); ok = False
    if bad_key: print("FAIL: processed records whose key differs from the produced one"); ok = False
    if dups > bound: print(f"FAIL: {dups} duplicates exceed the bound {bound}"); ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _term)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "produce": produce(*args)
    elif cmd == "confluent": worker_confluent(args[0], args[1], args[2], args[3], float(args[4]))
    elif cmd == "kafkapython": worker_kafkapython(args[0], args[1], args[2], args[3], float(args[4]))
    elif cmd == "check": check(args[0], args[1:])
    else: sys.exit(f"unknown command {cmd}")
