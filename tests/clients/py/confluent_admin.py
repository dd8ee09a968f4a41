"""confluent-kafka AdminClient: create topic (3 partitions), create partitions (to 5), describe
configs, delete topic; list_topics reflects each step."""
import sys, time
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource

broker, topic = sys.argv[1], sys.argv[2]
a = AdminClient({"bootstrap.servers": broker})

def parts(name):
    md = a.list_topics(timeout=10)
    t = md.topics.get(name)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)

def wait_for(pred, what, secs=15):
    deadline = time.time() + secs
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for: {what}")

assert parts(topic) is None, "topic exists before create"
a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)], operation_timeout=15)[topic].result(30)
wait_for(lambda: parts(topic) == 3, "3 partitions listed")
print("created with 3 partitions")

# creating it again must fail with TOPIC_ALREADY_EXISTS
try:
    a.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])[topic].result(30)
    raise SystemExit("second create_topics succeeded")
except Exception as e:
    assert "TOPIC_ALREADY_EXISTS" in str(e) or "already exists" in str(e).lower(), f"unexpected error {e!r}"

a.create_partitions([NewPartitions(topic, 5)], operation_timeout=15)[topic].result(30)
wait_for(lambda: parts(topic) == 5, "5 partitions listed")
print("partitions increased to 5")

res = ConfigResource(ConfigResource.Type.TOPIC, topic)
cfg = a.describe_configs([res])[res].result(30)
assert "cleanup.policy" in cfg, f"no cleanup.policy in {sorted(cfg)[:20]}"
assert "retention.ms" in cfg, f"no retention.ms in {sorted(cfg)[:20]}"
print(f"describe_configs: {len(cfg)} entries, cleanup.policy={cfg['cleanup.policy'].value}")

a.delete_topics([topic], operation_timeout=15)[topic].result(30)
wait_for(lambda: parts(topic) is None, "topic gone from list_topics")
print("deleted")
