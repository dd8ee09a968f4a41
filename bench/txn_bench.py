"""Transactional vs idempotent produce throughput (python3-confluent-kafka, librdkafka 2.0.2).
  txn_bench.py BROKER TOPIC COUNT MODE     MODE = idempotent | txn:N (commit every N records)
Prints one line: mode, records, seconds, records/s, MB/s (1 KiB values, acks=all)."""
import sys, time
from confluent_kafka import Producer
broker, topic, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
conf = {"bootstrap.servers": broker, "enable.idempotence": True, "linger.ms": 5,
        "batch.size": 1000000, "queue.buffering.max.messages": 200000}
every = None
if mode.startswith("txn:"):
    every = int(mode[4:]); conf["transactional.id"] = f"bench-{topic}"
p = Producer(conf)
val = b"x" * 1024
errs = []
def dr(e, m):
    if e: errs.append(e)
if every: p.init_transactions(30)
t0 = time.time()
i = 0
while i < count:
    n = min(every or count, count - i)
    if every: p.begin_transaction()
    for _ in range(n):
        while True:
            try:
                p.produce(topic, val, on_delivery=dr); break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    i += n
    if every: p.commit_transaction(60)   # flushes, then EndTxn
p.flush(60)
dt = time.time() - t0
assert not errs, errs[:3]
print(f"{mode:12s} {count} records {dt:6.2f} s {count/dt:9.0f} rec/s {count*1024/dt/1e6:7.1f} MB/s")
