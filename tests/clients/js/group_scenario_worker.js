// kafkajs consumer worker for tests/clients/group-scenario-kafkajs.sh (see py/group_scenario_lib.sh).
//   node group_scenario_worker.js BOOTSTRAP TOPIC GROUP OUTFILE SECS
// Processes records about 1,000/s in chunks of <= 100: writes "p o key" per record to OUTFILE,
// then commits the chunk synchronously (commitOffsets) and appends "C p next" to OUTFILE.commits.
// SIGTERM: disconnect cleanly (LeaveGroup). Stops by itself after SECS seconds.
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');
const [bootstrap, topic, group, out, secs] = process.argv.slice(2);
const sessionTimeout = parseInt(process.env.GS_SESSION_MS || '6000', 10);
const kafka = new Kafka({ clientId: 'gs-' + process.pid, brokers: [bootstrap], logLevel: logLevel.WARN,
  retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 30 } });
const consumer = kafka.consumer({ groupId: group, sessionTimeout, heartbeatInterval: 1000,
  rebalanceTimeout: 20000, maxBytesPerPartition: 65536, retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 30 } });
const outFd = fs.openSync(out, 'a');
const comFd = fs.openSync(out + '.commits', 'a');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let stopping = false;
async function stop(code) {
  if (stopping) return; stopping = true;
  try { await consumer.disconnect(); } catch (e) { console.error('disconnect: ' + e.message); }
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
setTimeout(() => stop(0), parseFloat(secs) * 1000);
consumer.on(consumer.events.CRASH, (e) => console.error('crash: ' + (e.payload && e.payload.error && e.payload.error.message) + ' restart=' + (e.payload && e.payload.restart)));

(async () => {
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const msgs = batch.messages;
      for (let i = 0; i < msgs.length; i += 100) {
        if (!isRunning() || isStale() || stopping) return;
        const chunk = msgs.slice(i, i + 100);
        fs.writeSync(outFd, chunk.map((m) => `${batch.partition} ${m.offset} ${m.key.toString()}\n`).join(''));
        await sleep(100);
        const last = chunk[chunk.length - 1].offset;
        resolveOffset(last);
        const next = (BigInt(last) + 1n).toString();
        try {
          await consumer.commitOffsets([{ topic, partition: batch.partition, offset: next }]);
          fs.writeSync(comFd, `C ${batch.partition} ${next}\n`);
        } catch (e) {
          console.error('commit failed: ' + e.message);
          return;   // rebalance or broker gone: the next batch starts from the committed offset
        }
        try { await heartbeat(); } catch (e) { console.error('heartbeat: ' + e.message); return; }
      }
    },
  });
})().catch((e) => { console.error('worker: ' + e.stack); process.exit(1); });
