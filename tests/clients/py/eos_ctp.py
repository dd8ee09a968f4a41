"""Exactly-once consume-transform-produce helpers (confluent-kafka transactions).

  create BROKER TOPIC PARTITIONS
  input BROKER TOPIC N KEYS           produce N records, key "k<j>", value = per-key sequence number
  process BROKER IN OUT GROUP TXNID EVERY ABORTPCT IDLE
                                      read IN (read_committed, group GROUP, no auto commit), write
                                      "seq" to OUT under the same key in transactions of up to EVERY
                                      records with the consumed offsets (send_offsets_to_transaction);
                                      aborts ABORTPCT % of the transactions on purpose and rewinds.
                                      Exits 0 after IDLE seconds with nothing to read. Prints
                                      "commit N" / "abort N" to stderr.
  verify BROKER OUT N KEYS            read OUT read_committed: every key's values 0..N/KEYS-1 exactly
                                      once, in order; then read_uncommitted: prints its count
  dump BROKER TOPIC ISOLATION         print "partition offset key value" for every record
"""
import sys, time, random
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewTopic

cmd, broker = sys.argv[1], sys.argv[2]


def read_all(topic, isolation, timeout=60):
    """All records of TOPIC, every partition from the beginning up to EOF."""
    c = Consumer({"bootstrap.servers": broker, "group.id": "eos-verify-%d" % random.randrange(1 << 30),
                  "enable.auto.commit": False, "isolation.level": isolation,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    md = c.list_topics(topic, timeout=15)
    parts = sorted(md.topics[topic].partitions)
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    eof, out = set(), []
    deadline = time.time() + timeout
    while len(eof) < len(parts):
        if time.time() > deadline:
            raise SystemExit(f"read_all {topic} {isolation}: no EOF on {set(parts) - eof} within {timeout}s")
        for m in c.consume(1000, 1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add(m.partition())
                    continue
                raise SystemExit(f"consume error {m.error()}")
            eof.discard(m.partition())
            out.append((m.partition(), m.offset(), m.key().decode(), m.value().decode()))
    c.close()
    return out


if cmd == "create":
    topic, parts = sys.argv[3], int(sys.argv[4])
    admin = AdminClient({"bootstrap.servers": broker})
    admin.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=1)],
                        operation_timeout=15)[topic].result(30)

elif cmd == "input":
    topic, n, keys = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    p = Producer({"bootstrap.servers": broker, "enable.idempotence": True, "linger.ms": 5})
    errs = []
    for i in range(n):
        k, seq = i % keys, i // keys
        while True:
            try:
                p.produce(topic, key=f"k{k}".encode(), value=str(seq).encode(),
                          on_delivery=lambda e, m: e and errs.append(str(e)))
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    assert p.flush(60) == 0, "flush timed out"
    assert not errs, errs[:3]

elif cmd == "process":
    tin, tout, group, txnid = sys.argv[3:7]
    every, abortpct, idle = int(sys.argv[7]), int(sys.argv[8]), float(sys.argv[9])
    c = Consumer({"bootstrap.servers": broker, "group.id": group, "enable.auto.commit": False,
                  "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
                  "max.poll.interval.ms": 60000})
    p = Producer({"bootstrap.servers": broker, "transactional.id": txnid, "linger.ms": 5,
                  "transaction.timeout.ms": 20000})
    p.init_transactions(60)
    c.subscribe([tin])
    commits = aborts = 0
    last_data = time.time()
    while True:
        msgs = [m for m in c.consume(every, 1.0) if not m.error()]
        if not msgs:
            if time.time() - last_data > idle:
                break
            continue
        last_data = time.time()
        first = {}
        for m in msgs:
            first.setdefault(m.partition(), m.offset())
        p.begin_transaction()
        for m in msgs:
            while True:
                try:
                    p.produce(tout, key=m.key(), value=m.value())
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
        if random.randrange(100) < abortpct:
            p.flush(60)   # the records reach the log first (abort_transaction purges queued ones)
            p.abort_transaction(60)
            aborts += 1
            for part, off in first.items():   # rewind: the aborted input is processed again
                c.seek(TopicPartition(tin, part, off))
            print(f"abort {len(msgs)}", file=sys.stderr, flush=True)
            continue
        pos = c.position([TopicPartition(tin, part) for part in first])
        p.send_offsets_to_transaction(pos, c.consumer_group_metadata(), 60)
        p.commit_transaction(60)
        commits += 1
        print(f"commit {len(msgs)}", file=sys.stderr, flush=True)
    print(f"processor done: {commits} commits, {aborts} aborts", file=sys.stderr, flush=True)
    c.close()

elif cmd == "verify":
    tout, n, keys = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    per = n // keys
    rc = read_all(tout, "read_committed")
    seqs = {}
    for part, off, k, v in rc:
        seqs.setdefault(k, []).append(int(v))
    bad = []
    if len(rc) != n:
        bad.append(f"read_committed count {len(rc)} != {n}")
    for j in range(keys):
        got = seqs.get(f"k{j}", [])
        if got != list(range(per)):
            dup = len(got) - len(set(got))
            miss = per - len(set(got))
            order = sum(1 for a, b in zip(got, got[1:]) if b <= a)
            bad.append(f"k{j}: {len(got)} values, {dup} duplicates, {miss} missing, {order} order breaks")
    ru = read_all(tout, "read_uncommitted")
    print(f"read_committed {len(rc)} records; read_uncommitted {len(ru)} records")
    if len(ru) <= n:
        bad.append(f"read_uncommitted count {len(ru)} not > {n} (aborted records not seen)")
    if bad:
        print("FAIL: " + "; ".join(bad[:10]))
        sys.exit(1)

elif cmd == "dump":
    for r in read_all(sys.argv[3], sys.argv[4]):
        print(*r)
