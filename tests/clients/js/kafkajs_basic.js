// kafkajs 2.2.4: admin createTopics / fetchTopicMetadata / listTopics / fetchTopicOffsets /
// deleteTopics, producer send with acks=-1 (gzip and uncompressed). No consumer group needed.
const { Kafka, logLevel, CompressionTypes } = require('kafkajs');
const [broker, topic] = process.argv.slice(2);
const N = 1000;
const kafka = new Kafka({ clientId: 'chronik-kafkajs', brokers: [broker], logLevel: logLevel.WARN,
  retry: { retries: 3 }, requestTimeout: 30000, connectionTimeout: 5000 });
const assert = (c, m) => { if (!c) throw new Error('assertion failed: ' + m); };
const sleep = ms => new Promise(r => setTimeout(r, ms));

(async () => {
  const admin = kafka.admin();
  await admin.connect();
  assert(!(await admin.listTopics()).includes(topic), 'topic exists before create');
  assert(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), 'createTopics returned false');
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  assert(md.topics.length === 1 && md.topics[0].name === topic, 'metadata topic ' + JSON.stringify(md));
  assert(md.topics[0].partitions.length === 3, 'partitions ' + md.topics[0].partitions.length);
  assert((await admin.listTopics()).includes(topic), 'listTopics after create');
  console.log('created, metadata shows 3 partitions');

  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const [compression, base] of [[CompressionTypes.None, 0], [CompressionTypes.GZIP, N]]) {
    const messages = [];
    for (let i = 0; i < N; i++) messages.push({ key: `k${base + i}`, value: `v${base + i}`, partition: i % 3,
      headers: { h: `x${i}` } });
    const res = await producer.send({ topic, acks: -1, compression, messages });
    assert(res.length === 3 && res.every(r => r.errorCode === 0), 'send result ' + JSON.stringify(res));
  }
  await producer.disconnect();
  const offs = await admin.fetchTopicOffsets(topic);
  const total = offs.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  assert(total === 2 * N, 'fetchTopicOffsets total ' + total + ' ' + JSON.stringify(offs));
  console.log(`produced ${2 * N} (none+gzip, acks=-1), offsets ${JSON.stringify(offs.map(o => o.high))}`);

  await admin.deleteTopics({ topics: [topic], timeout: 15000 });
  let gone = false;
  for (let i = 0; i < 50 && !gone; i++) { gone = !(await admin.listTopics()).includes(topic); if (!gone) await sleep(200); }
  assert(gone, 'topic still listed after deleteTopics');
  console.log('deleted');
  await admin.disconnect();
})().catch(e => { console.error('FAIL', e); process.exit(1); });
