"""Helpers for full-disk.sh (confluent-kafka, acks=all, retries=0 so a refused append reaches the delivery report).

  create BROKER TOPIC
  fill BROKER TOPIC ACKFILE         produce 64 KiB records (keys 0..) until one is refused; every delivered record
                                    goes to ACKFILE as "offset key"; prints the error name of the first refusal
  produce BROKER TOPIC FIRST COUNT ACKFILE   produce keys FIRST.. ; appends "offset key" per delivery; prints the
                                    error names seen (nothing when all were delivered)
  consume BROKER TOPIC OUTFILE      read partition 0 from the start to the end offset as "offset key" lines
"""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

cmd, broker, topic = sys.argv[1], sys.argv[2], sys.argv[3]
VALUE = b"v" * 65536

def producer():
    return Producer({"bootstrap.servers": broker, "acks": "all", "retries": 0, "linger.ms": 0,
                     "max.in.flight.requests.per.connection": 1, "message.timeout.ms": 15000,
                     "enable.idempotence": False})

def produce(p, first, count, out):
    errors = []
    def dr(err, msg):
        if err is None:
            out.write(f"{msg.offset()} {msg.key().decode()}\n")
        else:
            errors.append(err.name())
    for i in range(first, first + count):
        p.produce(topic, key=str(i).encode(), value=VALUE, on_delivery=dr)
        p.flush(20)   # one at a time: the log end is known after each
        if errors:
            break
    out.flush()
    return errors

if cmd == "create":
    admin = AdminClient({"bootstrap.servers": broker})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)], operation_timeout=15)[topic].result(30)

elif cmd == "fill":
    with open(sys.argv[4], "a") as out:
        errors = produce(producer(), 0, 100000, out)
    print(errors[0] if errors else "NO_ERROR")

elif cmd == "produce":
    first, count = int(sys.argv[4]), int(sys.argv[5])
    with open(sys.argv[6], "a") as out:
        errors = produce(producer(), first, count, out)
    print(" ".join(errors))

elif cmd == "consume":
    c = Consumer({"bootstrap.servers": broker, "group.id": "fd-" + topic, "enable.auto.commit": False,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=15)
    c.assign([TopicPartition(topic, 0, lo)])
    rows, done, deadline = [], hi == lo, time.time() + 60
    while not done and time.time() < deadline:
        for m in c.consume(100, 1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    done = m.offset() >= hi
                    continue
                raise SystemExit(f"consume error {m.error()}")
            if m.value() != VALUE:
                raise SystemExit(f"record at {m.offset()} has a damaged value")
            rows.append((m.offset(), m.key().decode()))
    c.close()
    if not done:
        raise SystemExit(f"consume timed out at {len(rows)} records (end {hi})")
    with open(sys.argv[4], "w") as f:
        for o, k in rows:
            f.write(f"{o} {k}\n")
