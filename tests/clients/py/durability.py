"""Helpers for the durability tests (confluent-kafka, acks=all, one partition).

  create BROKER TOPIC
  stream BROKER TOPIC ACKFILE MAX     produce keys 0.. until MAX or killed; every delivered
                                      record is appended to ACKFILE as "offset key" at once
  batches BROKER TOPIC FIRST COUNT BATCH   produce keys FIRST..FIRST+COUNT-1 in flushes of BATCH;
                                      prints the offsets, one per line (must be contiguous)
  consume BROKER TOPIC OUTFILE        read partition 0 from the beginning to the end offset,
                                      write "offset key" lines
"""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

cmd, broker, topic = sys.argv[1], sys.argv[2], sys.argv[3]

def producer(**extra):
    conf = {"bootstrap.servers": broker, "acks": "all", "linger.ms": 2, "batch.num.messages": 50,
            "message.timeout.ms": 20000, "enable.idempotence": False}
    conf.update(extra)
    return Producer(conf)

if cmd == "create":
    admin = AdminClient({"bootstrap.servers": broker})   # keep the handle alive until the result
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)],
                        operation_timeout=15)[topic].result(30)

elif cmd == "stream":
    ackfile, maxn = sys.argv[4], int(sys.argv[5])
    out = open(ackfile, "a", buffering=1)
    def dr(err, msg):
        if err is None:
            out.write(f"{msg.offset()} {msg.key().decode()}\n")
            out.flush()
    p = producer(**{"max.in.flight.requests.per.connection": 1, "retries": 0})
    for i in range(maxn):
        while True:
            try:
                p.produce(topic, key=str(i).encode(), value=(f"value-{i}-" + "d" * 200).encode(), on_delivery=dr)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if i % 50 == 0:
            time.sleep(0.002)   # keep the stream going for a while
    p.flush(30)

elif cmd == "batches":
    first, count, batch = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    offs, errs = {}, []
    def dr(err, msg):
        if err is not None:
            errs.append(str(err))
        else:
            offs[int(msg.key())] = msg.offset()
    p = producer(**{"linger.ms": 50, "batch.num.messages": batch})
    for start in range(first, first + count, batch):
        for i in range(start, min(start + batch, first + count)):
            p.produce(topic, key=str(i).encode(), value=(f"value-{i}-" + "b" * 100).encode(), on_delivery=dr)
        assert p.flush(30) == 0, "flush timed out"
    assert not errs, f"delivery errors {errs[:3]}"
    for i in range(first, first + count):
        print(offs[i])

elif cmd == "consume":
    outfile = sys.argv[4]
    c = Consumer({"bootstrap.servers": broker, "group.id": "dur-" + topic, "enable.auto.commit": False,
                  "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=15)
    print(f"watermarks {lo} {hi}", file=sys.stderr)
    c.assign([TopicPartition(topic, 0, 0)])
    rows, done = [], hi == 0
    deadline = time.time() + 90
    while not done and time.time() < deadline:
        for m in c.consume(1000, 1.0):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    done = m.offset() >= hi
                    continue
                raise SystemExit(f"consume error {m.error()}")
            rows.append(f"{m.offset()} {m.key().decode()}")
            if m.offset() + 1 >= hi:
                done = True
    c.close()
    assert done, f"did not reach end offset {hi}: got {len(rows)} records"
    open(outfile, "w").write("".join(r + "\n" for r in rows))
    print(f"{len(rows)} records, high watermark {hi}", file=sys.stderr)
else:
    raise SystemExit("unknown command " + cmd)
