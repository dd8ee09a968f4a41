// kafkajs 2.2.4 exactly-once consume-transform-produce processor (used by eos-kafkajs.sh):
//   node kafkajs_eos_processor.js BROKER IN OUT GROUP TXNID EVERY ABORTPCT IDLE_S
// Group consumer (read_committed, no auto commit); for every chunk of up to EVERY records of a batch:
// a transaction sends them to OUT under the same key, with the next offset (sendOffsets), then
// commits; ABORTPCT % of the transactions are aborted on purpose and the partition is rewound
// (seek) to the chunk's first offset. Exits 0 after IDLE_S seconds without records.
const { Kafka, logLevel } = require('kafkajs');
const [broker, tin, tout, group, txnid, everyS, abortS, idleS] = process.argv.slice(2);
const EVERY = +everyS, ABORTPCT = +abortS, IDLE = +idleS * 1000;
const kafka = new Kafka({ clientId: 'chronik-eos-js', brokers: [broker], logLevel: logLevel.ERROR,
  retry: { retries: 8, initialRetryTime: 200 } });
const sleep = ms => new Promise(r => setTimeout(r, ms));
const say = s => process.stderr.write(s + '\n');

(async () => {
  const producer = kafka.producer({ transactionalId: txnid, idempotent: true, maxInFlightRequests: 1,
    transactionTimeout: 20000 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: group, readUncommitted: false, sessionTimeout: 6000,
    rebalanceTimeout: 10000, heartbeatInterval: 1000, maxBytesPerPartition: 65536 });
  await consumer.connect();
  await consumer.subscribe({ topics: [tin], fromBeginning: true });
  let last = Date.now(), commits = 0, aborts = 0;
  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const msgs = batch.messages;
      for (let i = 0; i < msgs.length; i += EVERY) {
        if (!isRunning() || isStale()) return;
        last = Date.now();
        const chunk = msgs.slice(i, i + EVERY);
        const txn = await producer.transaction();
        try {
          await txn.send({ topic: tout, messages: chunk.map(m => ({ key: m.key, value: m.value })) });
          if (Math.random() * 100 < ABORTPCT) {
            await txn.abort(); aborts++;
            say(`abort ${chunk.length}`);
            consumer.seek({ topic: batch.topic, partition: batch.partition, offset: chunk[0].offset });
            return;
          }
          const next = (BigInt(chunk[chunk.length - 1].offset) + 1n).toString();
          await txn.sendOffsets({ consumerGroupId: group,
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
          await txn.commit(); commits++;
        } catch (e) {
          say('transaction error: ' + e.message);
          try { await txn.abort(); } catch (_) {}
          throw e;
        }
        resolveOffset(chunk[chunk.length - 1].offset);
        say(`commit ${chunk.length}`);
        await heartbeat();
      }
    } });
  while (Date.now() - last < IDLE) await sleep(250);
  say(`processor done: ${commits} commits, ${aborts} aborts`);
  await consumer.disconnect();
  await producer.disconnect();
  process.exit(0);
})().catch(e => { say('FAIL: ' + (e.stack || e)); process.exit(1); });
