"""python3-confluent-kafka's SchemaRegistryClient and JSONSerializer against Chronik's built-in registry:
register, produce and consume JSON Schema records, look up, and see an incompatible change refused (409).
Usage: schema_registry_json.py BOOTSTRAP REGISTRY_URL TOPIC"""
import sys

from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import StringDeserializer, StringSerializer

bootstrap, url, topic = sys.argv[1], sys.argv[2], sys.argv[3]
SCHEMA = ('{"$schema":"http://json-schema.org/draft-07/schema#","title":"Reading","type":"object",'
          '"properties":{"sensor":{"type":"string"},"value":{"type":"number"}},'
          '"required":["sensor","value"],"additionalProperties":false}')
client = SchemaRegistryClient({"url": url})

producer = SerializingProducer({
    "bootstrap.servers": bootstrap,
    "key.serializer": StringSerializer("utf_8"),
    "value.serializer": JSONSerializer(SCHEMA, client),
})
for i in range(10):
    producer.produce(topic, key=str(i), value={"sensor": f"s{i}", "value": i * 1.5})
assert producer.flush(30) == 0, "produce did not complete"

subject = topic + "-value"
latest = client.get_latest_version(subject)
assert latest.version == 1 and latest.schema.schema_type == "JSON", latest
assert client.get_schema(latest.schema_id).schema_type == "JSON"
assert client.lookup_schema(subject, Schema(SCHEMA, "JSON")).schema_id == latest.schema_id

# Removing a property from a closed content model breaks readers of the old data (BACKWARD, the default).
narrowed = SCHEMA.replace(',"value":{"type":"number"}', "").replace(',"value"]', "]")
try:
    client.register_schema(subject, Schema(narrowed, "JSON"))
    raise AssertionError("an incompatible schema was registered")
except SchemaRegistryError as e:
    assert e.error_code == 409, e
assert client.test_compatibility(subject, Schema(narrowed, "JSON")) is False

consumer = DeserializingConsumer({
    "bootstrap.servers": bootstrap,
    "group.id": "sr-json-" + topic,
    "auto.offset.reset": "earliest",
    "key.deserializer": StringDeserializer("utf_8"),
    "value.deserializer": JSONDeserializer(SCHEMA),
})
consumer.subscribe([topic])
seen = []
for _ in range(60):
    msg = consumer.poll(1.0)
    if msg is None:
        if len(seen) == 10:
            break
        continue
    seen.append(msg.value()["sensor"])
    if len(seen) == 10:
        break
consumer.close()
assert seen == [f"s{i}" for i in range(10)], seen
print("schema registry (python JSONSerializer): ok")
