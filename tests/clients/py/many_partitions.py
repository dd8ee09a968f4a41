"""Helpers for low-fd-limit.sh and the many-partitions benchmark (confluent-kafka).

  create BROKER PREFIX TOPICS PARTITIONS    create PREFIX-0..PREFIX-(TOPICS-1) with PARTITIONS each; prints "ok" or the
                                            error of each topic that failed
  produce BROKER PREFIX TOPICS PARTITIONS   one record (key "topic/partition") to every partition; prints how many delivered
  verify BROKER PREFIX TOPICS PARTITIONS    reads every partition from the start: each must hold exactly its one record
  topics BROKER PREFIX TOPICS PARTITIONS    Metadata must list every topic with PARTITIONS partitions
"""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

cmd, broker, prefix, ntopics, nparts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
topics = [f"{prefix}-{t}" for t in range(ntopics)]

if cmd == "create":
    admin = AdminClient({"bootstrap.servers": broker})
    failed = []
    for name in topics:   # one request per topic keeps each well under max.partitions.per.request
        try:
            admin.create_topics([NewTopic(name, num_partitions=nparts, replication_factor=1)], operation_timeout=60)[name].result(120)
        except Exception as e:
            failed.append(f"{name}: {e}")
    print("\n".join(failed) if failed else "ok")

elif cmd == "produce":
    p = Producer({"bootstrap.servers": broker, "acks": "all", "linger.ms": 20, "message.timeout.ms": 60000})
    delivered, errors = [0], []
    def dr(err, msg):
        if err is None:
            delivered[0] += 1
        else:
            errors.append(err.name())
    for name in topics:
        for part in range(nparts):
            while True:
                try:
                    p.produce(name, key=f"{name}/{part}".encode(), value=b"x" * 100, partition=part, on_delivery=dr)
                    break
                except BufferError:
                    p.poll(0.1)
            p.poll(0)
    p.flush(120)
    print(delivered[0], " ".join(sorted(set(errors))))

elif cmd == "verify":
    c = Consumer({"bootstrap.servers": broker, "group.id": "mp-" + prefix, "enable.auto.commit": False,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest", "fetch.wait.max.ms": 100})
    want = {(n, p) for n in topics for p in range(nparts)}
    c.assign([TopicPartition(n, p, 0) for n, p in want])
    seen, eof, deadline = {}, set(), time.time() + 90
    while len(eof) < len(want) and time.time() < deadline:
        for m in c.consume(1000, 1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    eof.add((m.topic(), m.partition()))
                    continue
                raise SystemExit(f"consume error on {m.topic()}/{m.partition()}: {m.error()}")
            seen.setdefault((m.topic(), m.partition()), []).append(m.key().decode())
    c.close()
    bad = [(n, p) for n, p in want if seen.get((n, p)) != [f"{n}/{p}"]]
    if bad:
        raise SystemExit(f"{len(bad)} partitions wrong, e.g. {bad[:3]}: {[seen.get(b) for b in bad[:3]]} ({len(eof)} at end)")
    print(f"{len(want)} partitions verified")

elif cmd == "topics":
    md = AdminClient({"bootstrap.servers": broker}).list_topics(timeout=120)
    bad = [n for n in topics if n not in md.topics or len(md.topics[n].partitions) != nparts]
    if bad:
        raise SystemExit(f"{len(bad)} topics missing or short, e.g. {bad[:3]}")
    print(f"{len(topics)} topics of {nparts} partitions listed")
