// kafkajs 2.2.4 consumer group: produce N messages to a 3-partition topic, consume them with a
// group consumer (JoinGroup/SyncGroup/Heartbeat/OffsetCommit), then a second consumer in the
// same group must find the committed offsets and receive nothing new.
const { Kafka, logLevel } = require('kafkajs');
const [broker, topic] = process.argv.slice(2);
const N = 3000;
const kafka = new Kafka({ clientId: 'chronik-kafkajs-group', brokers: [broker], logLevel: logLevel.WARN,
  retry: { retries: 5 } });
const assert = (c, m) => { if (!c) throw new Error('assertion failed: ' + m); };
const sleep = ms => new Promise(r => setTimeout(r, ms));

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < N; i++) messages.push({ key: `k${i}`, value: `v${i}` });
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();

  const groupId = 'g-' + topic;
  const seen = new Map();
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let lastByPart = {};
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    const k = message.key.toString();
    assert(!seen.has(k), 'duplicate ' + k);
    const off = Number(message.offset);
    assert(lastByPart[partition] === undefined || off === lastByPart[partition] + 1, `gap in partition ${partition} at ${off}`);
    lastByPart[partition] = off;
    seen.set(k, message.value.toString());
  } });
  for (let i = 0; i < 300 && seen.size < N; i++) await sleep(200);
  assert(seen.size === N, `consumed ${seen.size} of ${N}`);
  for (let i = 0; i < N; i++) assert(seen.get(`k${i}`) === `v${i}`, 'value of k' + i);
  await consumer.disconnect();  // commits offsets and leaves the group
  console.log(`group consumer read ${N} messages`);

  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const sum = committed[0].partitions.reduce((s, p) => s + Number(p.offset), 0);
  assert(sum === N, 'committed offsets sum ' + sum + ' ' + JSON.stringify(committed));
  const groups = (await admin.listGroups()).groups.map(g => g.groupId);
  assert(groups.includes(groupId), 'listGroups lacks ' + groupId);
  console.log('committed offsets add up to ' + N);
  await admin.disconnect();
})().catch(e => { console.error('FAIL', e); process.exit(1); });
