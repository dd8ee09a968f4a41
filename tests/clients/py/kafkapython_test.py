"""kafka-python (Debian python3-kafka 2.0.2): admin create topic, produce N with acks=all,
consume back in order, describe configs, delete topic; list_topics reflects each step."""
import os, sys, time
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic, ConfigResource, ConfigResourceType

broker, topic = sys.argv[1], sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
kw = {}
if os.environ.get("KAFKA_PYTHON_API_VERSION"):
    kw["api_version"] = tuple(int(x) for x in os.environ["KAFKA_PYTHON_API_VERSION"].split("."))

def wait_for(pred, what, secs=15):
    deadline = time.time() + secs
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for: {what}")

admin = KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=30000, **kw)
assert topic not in admin.list_topics()
admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)], timeout_ms=15000)
wait_for(lambda: topic in admin.list_topics(), "topic listed after create")
print("created")

prod = KafkaProducer(bootstrap_servers=broker, acks="all", linger_ms=5, **kw)
futs = [prod.send(topic, key=b"k%d" % i, value=b"v%d" % i, partition=i % 2) for i in range(N)]
prod.flush(60)
metas = [f.get(timeout=30) for f in futs]
for p in (0, 1):
    offs = [m.offset for i, m in enumerate(metas) if i % 2 == p]
    assert offs == list(range(len(offs))), f"partition {p}: offsets not contiguous from 0"
prod.close(10)
print(f"produced {N} with acks=all")

cons = KafkaConsumer(bootstrap_servers=broker, enable_auto_commit=False, group_id=None,
                     auto_offset_reset="earliest", consumer_timeout_ms=20000, **kw)
tps = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
cons.assign(tps)
cons.seek_to_beginning(*tps)
got = {0: [], 1: []}
deadline = time.time() + 60
while sum(len(v) for v in got.values()) < N and time.time() < deadline:
    for tp, msgs in cons.poll(timeout_ms=1000, max_records=2000).items():
        for m in msgs:
            got[tp.partition].append((m.offset, m.key, m.value))
end = cons.end_offsets(tps)
cons.close()
for p in (0, 1):
    want = [(j, b"k%d" % i, b"v%d" % i) for j, i in enumerate(range(p, N, 2))]
    assert got[p] == want, f"partition {p}: consumed {len(got[p])} records, first diff at " \
        f"{next((k for k,(a,b) in enumerate(zip(got[p], want)) if a != b), min(len(got[p]), len(want)))}"
    assert end[TopicPartition(topic, p)] == len(want), f"end offset {end}"
print(f"consumed {N} in order")

res = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
entries = {}
for r in res:
    for (err, msg, rtype, rname, configs) in r.resources:
        assert err == 0, f"describe_configs error {err} {msg}"
        for c in configs:
            entries[c[0]] = c[1]
assert "cleanup.policy" in entries, f"no cleanup.policy in {sorted(entries)[:20]}"
print(f"describe_configs: {len(entries)} entries")

admin.delete_topics([topic], timeout_ms=15000)
wait_for(lambda: topic not in admin.list_topics(), "topic gone after delete")
admin.close()
print("deleted")
