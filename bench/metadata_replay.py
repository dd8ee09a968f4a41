#!/usr/bin/env python3
"""Set-up for bench/metadata-replay.sh (python3-confluent-kafka / librdkafka).

  metadata_replay.py create BOOTSTRAP TOPICS
      creates replay-0 .. replay-(TOPICS-1), one partition each, 500 topics per CreateTopics request;
      prints "ok" or the first errors.
  metadata_replay.py commit BOOTSTRAP GROUPS PARTITIONS
      GROUPS groups, each committing (synchronously, no members: a simple commit) an offset for each of
      PARTITIONS partitions: partition 0 of replay-0 .. replay-(PARTITIONS-1); prints how many offsets were committed.
  metadata_replay.py check BOOTSTRAP TOPICS GROUPS PARTITIONS
      after the restart: Metadata lists every topic; the first and last group fetch their PARTITIONS offsets.
"""
import sys
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

cmd, bootstrap = sys.argv[1], sys.argv[2]
name = lambda t: f"replay-{t}"

if cmd == "create":
    topics = int(sys.argv[3])
    admin = AdminClient({"bootstrap.servers": bootstrap})
    errors = []
    for start in range(0, topics, 500):
        futures = admin.create_topics([NewTopic(name(t), 1, 1) for t in range(start, min(topics, start + 500))], operation_timeout=60)
        for topic, f in futures.items():
            try:
                f.result(120)
            except Exception as e:
                errors.append(f"{topic}: {e}")
    print("\n".join(errors[:5]) if errors else "ok")

elif cmd == "commit":
    groups, parts = int(sys.argv[3]), int(sys.argv[4])
    committed = 0
    for g in range(groups):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"replay-group-{g}", "enable.auto.commit": False})
        result = c.commit(offsets=[TopicPartition(name(t), 0, g + t + 1) for t in range(parts)], asynchronous=False)
        committed += sum(1 for tp in result if tp.error is None)
        c.close()
    print(committed)

elif cmd == "check":
    topics, groups, parts = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    listed = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=60).topics
    missing = [name(t) for t in range(topics) if name(t) not in listed]
    if missing:
        raise SystemExit(f"{len(missing)} topics missing, e.g. {missing[:3]}")
    for g in (0, groups - 1):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"replay-group-{g}", "enable.auto.commit": False})
        got = c.committed([TopicPartition(name(t), 0) for t in range(parts)], timeout=60)
        bad = [tp for tp in got if tp.offset != g + int(tp.topic.split("-")[1]) + 1]
        c.close()
        if bad:
            raise SystemExit(f"group {g}: {len(bad)} offsets wrong, e.g. {bad[:3]}")
    print("ok")
