"""confluent-kafka traffic for the fuzz corpus: admin create/describe configs/delete, produce, a group
consumer committing offsets, and a transaction that commits (with its consumed offsets) and one that aborts."""
import sys, time
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource

broker, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": broker})
for f in admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1),
                              NewTopic(topic + "-out", num_partitions=1, replication_factor=1)]).values():
    f.result()
for f in admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic),
                                 ConfigResource(ConfigResource.Type.BROKER, "1")]).values():
    f.result()

p = Producer({"bootstrap.servers": broker, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
for i in range(200):
    p.produce(topic, key=b"k%d" % (i % 7), value=b"v%d" % i, headers=[("h", b"x")])
assert p.flush(30) == 0

c = Consumer({"bootstrap.servers": broker, "group.id": topic + "-g", "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "isolation.level": "read_committed"})
c.subscribe([topic])
got, deadline = 0, time.time() + 60
while got < 200 and time.time() < deadline:
    m = c.poll(1.0)
    if m is None or m.error():
        continue
    got += 1
    if got % 50 == 0:
        c.commit(asynchronous=False)
assert got == 200, got

t = Producer({"bootstrap.servers": broker, "transactional.id": topic + "-txn"})
t.init_transactions(30)
for commit in (True, False):
    t.begin_transaction()
    for i in range(10):
        t.produce(topic + "-out", value=b"t%d" % i)
    t.send_offsets_to_transaction([TopicPartition(topic, 0, 10)], c.consumer_group_metadata(), 30)
    if commit:
        t.commit_transaction(30)
    else:
        t.abort_transaction(30)
c.close()
for f in admin.delete_topics([topic, topic + "-out"], operation_timeout=15).values():
    f.result()
print("confluent capture ok")
