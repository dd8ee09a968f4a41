// @kafkajs/confluent-schema-registry 4.1.0 with kafkajs 2.2.4 against Chronik's built-in Schema Registry:
// register Avro and JSON Schema, encode, produce, consume, decode; an incompatible Avro change is refused (409).
const { Kafka, logLevel } = require('kafkajs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');
const [broker, url, topic] = process.argv.slice(2);
const assert = (c, m) => { if (!c) throw new Error('assertion failed: ' + m); };

const user = { type: 'record', name: 'User', namespace: 'com.example', fields: [{ name: 'name', type: 'string' }] };
const userBad = { ...user, fields: [...user.fields, { name: 'age', type: 'int' }] };
const order = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] };

(async () => {
  const registry = new SchemaRegistry({ host: url });
  const { id: avroId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(user) }, { subject: topic + '-value' });
  const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(user) }, { subject: topic + '-value' });
  assert(again.id === avroId, 'same schema, same id');
  assert((await registry.getLatestSchemaId(topic + '-value')) === avroId, 'latest id');
  const { id: jsonId } = await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(order) }, { subject: topic + '-json' });
  assert(jsonId !== avroId, 'json id');

  let refused = false;
  try {
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(userBad) }, { subject: topic + '-value' });
  } catch (e) {
    refused = e.status === 409 || /409|incompatible/i.test(String(e.message));
  }
  assert(refused, 'incompatible schema refused');

  const kafka = new Kafka({ clientId: 'chronik-sr', brokers: [broker], logLevel: logLevel.WARN });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [
    { key: 'a', value: await registry.encode(avroId, { name: 'alice' }) },
    { key: 'b', value: await registry.encode(jsonId, { id: 7 }) },
  ] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'sr-' + topic });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out; seen ' + JSON.stringify(seen))), 60000);
    consumer.run({ eachMessage: async ({ message }) => {
      seen.push(await registry.decode(message.value));
      if (seen.length === 2) { clearTimeout(timer); resolve(); }
    } }).catch(reject);
  });
  await consumer.disconnect();
  assert(seen[0].name === 'alice' && seen[1].id === 7, 'decoded ' + JSON.stringify(seen));
  console.log('schema registry (kafkajs confluent-schema-registry): ok');
})().catch(e => { console.error(e); process.exit(1); });
