"""confluent-kafka (Debian python3-confluent-kafka, librdkafka 2.0.2): produce N messages with
acks=all to a 1-partition topic, then consume them back with an assigned consumer; check that every
message arrives once, in order, with the offsets the delivery reports gave."""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

broker, topic = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000

admin = AdminClient({"bootstrap.servers": broker})
fs = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)], operation_timeout=15)
fs[topic].result(30)

delivered = {}
errors = []
def dr(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered[int(msg.key().decode().split("-")[1])] = msg.offset()

p = Producer({"bootstrap.servers": broker, "acks": "all", "linger.ms": 5,
              "compression.type": "lz4", "enable.idempotence": False})
for i in range(N):
    while True:
        try:
            p.produce(topic, key=f"k-{i}".encode(), value=f"v-{i}-{'x' * (i % 100)}".encode(), on_delivery=dr)
            break
        except BufferError:
            p.poll(0.1)
    p.poll(0)
left = p.flush(60)
assert left == 0, f"{left} messages not delivered after 60s"
assert not errors, f"delivery errors: {errors[:5]}"
assert len(delivered) == N, f"delivered {len(delivered)} of {N}"
offs = [delivered[i] for i in range(N)]
assert offs == list(range(N)), f"offsets not 0..N-1: first bad at {next(i for i,o in enumerate(offs) if o != i)}"
print(f"produced {N} with acks=all, offsets 0..{N-1}")

c = Consumer({"bootstrap.servers": broker, "group.id": "unused-" + topic,
              "enable.auto.commit": False, "auto.offset.reset": "earliest"})
c.assign([TopicPartition(topic, 0, 0)])
got = []
deadline = time.time() + 60
while len(got) < N and time.time() < deadline:
    for m in c.consume(1000, 1.0):
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            raise SystemExit(f"consume error: {m.error()}")
        got.append((m.offset(), m.key().decode(), m.value().decode()))
c.close()
assert len(got) == N, f"consumed {len(got)} of {N}"
for i, (o, k, v) in enumerate(got):
    assert o == i and k == f"k-{i}" and v == f"v-{i}-{'x' * (i % 100)}", f"record {i} wrong: {(o, k, v[:30])}"
lo, hi = Consumer({"bootstrap.servers": broker, "group.id": "wm-" + topic}).get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
assert (lo, hi) == (0, N), f"watermarks {(lo, hi)} != (0, {N})"
print(f"consumed {N} in order, watermarks ({lo}, {hi})")
