// kafkajs 2.2.4 over SASL_PLAINTEXT with SASL/PLAIN: produce and consume as alice; a wrong password is refused.
const { Kafka, logLevel } = require('kafkajs');
const [broker, topic] = process.argv.slice(2);
const N = 200;
const client = (password) => new Kafka({ clientId: 'chronik-kafkajs-sasl', brokers: [broker], logLevel: logLevel.NOTHING,
  sasl: { mechanism: 'plain', username: 'alice', password }, retry: { retries: 1 }, connectionTimeout: 5000 });
const assert = (c, m) => { if (!c) throw new Error('assertion failed: ' + m); };

(async () => {
  const bad = client('wrong').producer();
  let refused = false;
  try { await bad.connect(); } catch (e) { refused = /SASL|[Aa]uthentication/.test(String(e.message || e)); }
  assert(refused, 'a wrong password was not refused');
  console.log('wrong password refused');

  const kafka = client('alice-secret');
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < N; i++) messages.push({ key: `k${i}`, value: `v${i}` });
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `g-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${N} consumed`)), 60000);
    consumer.run({ eachMessage: async ({ message }) => {
      seen.push(message.value.toString());
      if (seen.length === N) { clearTimeout(timer); resolve(); }
    } }).catch(reject);
  });
  await consumer.disconnect();
  for (let i = 0; i < N; i++) assert(seen[i] === `v${i}`, `record ${i} is ${seen[i]}`);
  console.log(`kafkajs SASL/PLAIN: produced and consumed ${N} in order`);
})().catch(e => { console.error(e); process.exit(1); });
