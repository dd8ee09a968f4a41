"""kafka-python over SASL_PLAINTEXT with SASL/PLAIN: produce and consume as alice; a wrong password is refused."""
import sys
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

broker, topic = sys.argv[1], sys.argv[2]
common = dict(bootstrap_servers=broker, security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_plain_username="alice")
try:
    KafkaProducer(sasl_plain_password="wrong", request_timeout_ms=5000, max_block_ms=5000, **common).send(topic, b"x").get(timeout=10)
    sys.exit("a wrong password was not refused")
except KafkaError as e:
    print("wrong password refused:", type(e).__name__)

producer = KafkaProducer(sasl_plain_password="alice-secret", acks="all", **common)
for i in range(200):
    producer.send(topic, key=b"k%d" % i, value=b"v%d" % i)
producer.flush(30)
producer.close()
consumer = KafkaConsumer(topic, sasl_plain_password="alice-secret", group_id="g-" + topic, auto_offset_reset="earliest",
                         consumer_timeout_ms=20000, **common)
values = []
for message in consumer:
    values.append(message.value)
    if len(values) == 200:
        break
consumer.close()
assert values == [b"v%d" % i for i in range(200)], "consumed %d records" % len(values)
print("kafka-python SASL/PLAIN: produced and consumed 200 in order")
