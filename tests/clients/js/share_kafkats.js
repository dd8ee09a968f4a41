// @kafkats/client 0.12.0's ShareConsumer (KIP-932) against the broker. Modes (argv: mode broker topic group ...):
//   enable                 finalize share.version=1 (UpdateFeatures v1, raw frame: kafkats has no admin call for it)
//   config K=V...          set GROUP configs on the group (IncrementalAlterConfigs v1, raw frame)
//   create N               create the 1-partition topic and produce N records v0..v(N-1)
//   many N C               C share consumers of one group read the N records: every record delivered exactly once
//   release N              release every even record once and reject every record divisible by 3 on its first delivery:
//                          released records come back (delivery count 2), rejected ones never do
//   hold                   acquire the first available record and never acknowledge it (prints HELD <offset>, waits)
//   redeliver OFFSET HELD LIMIT the held record comes back with a higher delivery count; releasing it at every delivery until
//                          LIMIT deliveries archives it (never delivered again)
const net = require('net');
const { KafkaClient } = require('@kafkats/client');
const [mode, broker, topic, group, ...rest] = process.argv.slice(2);
const assert = (c, m) => { if (!c) throw new Error('assertion failed: ' + m); };
const sleep = ms => new Promise(r => setTimeout(r, ms));
const [host, port] = broker.split(':');
const client = () => new KafkaClient({ brokers: [broker], clientId: 'chronik-kafkats', logLevel: 'warn' });

// One raw request (header v2: flexible) on its own connection; resolves with the response body after the header.
function raw(apiKey, version, body) {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('chronik-raw');
    const header = Buffer.alloc(10 + clientId.length + 1);
    header.writeInt16BE(apiKey, 0); header.writeInt16BE(version, 2); header.writeInt32BE(7, 4);
    header.writeInt16BE(clientId.length, 8); clientId.copy(header, 10); header[10 + clientId.length] = 0;
    const size = Buffer.alloc(4); size.writeInt32BE(header.length + body.length);
    const s = net.connect(Number(port), host, () => s.write(Buffer.concat([size, header, body])));
    let buf = Buffer.alloc(0);
    s.setTimeout(15000, () => { s.destroy(); reject(new Error('raw request timed out')); });
    s.on('data', d => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) { s.end(); resolve(buf.subarray(9, 4 + buf.readInt32BE(0))); }
    });
    s.on('error', reject);
  });
}
const cstr = s => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length + 1]), b]); };
const i8 = v => Buffer.from([v & 0xff]);
const i16 = v => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = v => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };

async function enable() {
  const body = Buffer.concat([i32(60000), Buffer.from([2]), cstr('share.version'), i16(1), i8(1), Buffer.from([0]), i8(0), Buffer.from([0])]);
  const r = await raw(57, 1, body);
  assert(r.readInt16BE(4) === 0, 'UpdateFeatures error ' + r.readInt16BE(4));
  console.log('share.version=1 finalized');
}

async function config(pairs) {
  const configs = pairs.map(p => { const [k, v] = p.split('='); return Buffer.concat([cstr(k), i8(0), cstr(v), Buffer.from([0])]); });
  const body = Buffer.concat([Buffer.from([2]), i8(32), cstr(group), Buffer.from([configs.length + 1]), ...configs, Buffer.from([0]), i8(0), Buffer.from([0])]);
  const r = await raw(44, 1, body);
  // throttle(4) responses: compact array (1 byte here) then error_code of the first resource
  assert(r.readInt16BE(5) === 0, 'IncrementalAlterConfigs error ' + r.readInt16BE(5));
  console.log('group configs set: ' + pairs.join(' '));
}

async function create(n) {
  const c = client();
  await c.connect();
  const admin = c.admin();
  const created = await admin.createTopics([{ name: topic, numPartitions: 1 }]);
  assert(created.every(r => !r.errorCode), 'createTopics ' + JSON.stringify(created));
  const producer = c.producer({ lingerMs: 5 });
  for (let i = 0; i < n; i += 1000) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 1000); k++) batch.push({ key: null, value: Buffer.from('v' + k) });
    await producer.send(topic, batch);
  }
  await producer.flush?.();
  await producer.disconnect?.();
  await c.disconnect();
  console.log(`created ${topic} with ${n} records`);
}

// Runs share consumers until done() or the deadline; handler(message, index) decides what to do with each delivery.
async function consume(count, seconds, handler, done) {
  const c = client();
  await c.connect();
  const consumers = [];
  let failed = null;
  const runs = [];
  for (let i = 0; i < count; i++) {
    const sc = c.shareConsumer({ groupId: group, maxWaitMs: 500, maxRecords: 500 });
    sc.on('error', e => console.error(`consumer ${i}: ${e.message}`));
    consumers.push(sc);
    runs.push(sc.runEach(topic, async m => handler(m, i), { concurrency: 1, idleBackoffMs: 50 }).catch(e => { failed = e; console.error(`run ${i}: ${e.message}`); }));
  }
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && !done() && !failed) await sleep(100);
  await Promise.all(consumers.map(sc => sc.stop()));
  await Promise.race([Promise.all(runs), sleep(10000)]);
  await c.disconnect();
  if (failed) throw failed;
}

async function many(n, count) {
  const seen = new Map();
  const perConsumer = new Array(count).fill(0);
  let deliveries = 0;
  const started = Date.now();
  await consume(count, 240, (m, i) => {
    const v = m.value.toString();
    seen.set(v, (seen.get(v) || 0) + 1);
    perConsumer[i]++;
    deliveries++;
  }, () => seen.size >= n);
  const dups = [...seen.values()].filter(x => x > 1).length;
  console.log(`${seen.size}/${n} records, ${deliveries} deliveries, ${dups} delivered twice, per consumer ${perConsumer.join(' ')}, ${Date.now() - started} ms`);
  assert(seen.size === n, `only ${seen.size} of ${n} records delivered`);
  assert(dups === 0 && deliveries === n, `${deliveries} deliveries of ${n} records (${dups} twice)`);
  assert(perConsumer.filter(x => x > 0).length >= 2, 'the records went to one consumer only: ' + perConsumer.join(' '));
}

async function release(n) {
  const deliveries = new Map();
  const counts = new Map();
  const firsts = new Map();
  let expected = 0;
  for (let k = 0; k < n; k++) expected += k % 3 !== 0 && k % 2 === 0 ? 2 : 1;
  let total = 0, reachedAt = 0;
  await consume(1, 60, async m => {
    total++;
    const k = Number(m.value.toString().slice(1));
    const d = (deliveries.get(k) || 0) + 1;
    deliveries.set(k, d);
    counts.set(k, m.deliveryCount);
    if (d === 1) firsts.set(k, m.deliveryCount);
    if (d === 1 && k % 3 === 0) return m.reject();
    if (d === 1 && k % 2 === 0) return m.release();
    return m.ack();
  }, () => {
    if (total >= expected && !reachedAt) reachedAt = Date.now();
    return reachedAt && Date.now() - reachedAt > 3000; // then a grace period for deliveries that must not come
  });
  for (let k = 0; k < n; k++) {
    const d = deliveries.get(k) || 0;
    if (k % 3 === 0) assert(d === 1, `rejected record ${k} delivered ${d} times`);
    else if (k % 2 === 0) assert(d === 2 && counts.get(k) === firsts.get(k) + 1, `released record ${k} delivered ${d} times (delivery counts ${firsts.get(k)}, ${counts.get(k)})`);
    else assert(d === 1, `accepted record ${k} delivered ${d} times`);
  }
  console.log(`released records redelivered once, rejected and accepted ones never (${n} records)`);
}

async function hold() {
  const c = client();
  await c.connect();
  const sc = c.shareConsumer({ groupId: group, maxWaitMs: 500, maxRecords: 1, acquireMode: 'record_limit' });
  await sc.runEach(topic, async m => {
    console.log(`HELD ${m.offset} ${m.value.toString()} delivery ${m.deliveryCount}`);
    await sleep(3_600_000); // never acknowledged: the broker is killed meanwhile
  }, { concurrency: 1 });
}

async function redeliver(offset, held, limit) {
  // kafkats's warm-up prefetch acquires and releases (one delivery attempt, as it says), so the counts seen here start
  // above the held one; the last delivery the handler sees must be the limit's.
  const got = [];
  await consume(1, 60, async m => {
    if (String(m.offset) !== offset) return m.ack();
    got.push(m.deliveryCount);
    return m.release();
  }, () => got.includes(limit));
  const after = [];
  await consume(1, 6, async m => { if (String(m.offset) === offset) after.push(m.deliveryCount); return m.ack(); }, () => false);
  console.log(`record ${offset} (held at delivery ${held}) redelivered with delivery counts ${got.join(',')}; after the limit: ${after.length} deliveries`);
  assert(got.length > 0 && got[0] > held && got[got.length - 1] === limit, 'delivery counts ' + got.join(','));
  assert(after.length === 0, `record ${offset} delivered again after ${limit} deliveries`);
}

(async () => {
  if (mode === 'enable') await enable();
  else if (mode === 'config') await config(rest);
  else if (mode === 'create') await create(Number(rest[0]));
  else if (mode === 'many') await many(Number(rest[0]), Number(rest[1]));
  else if (mode === 'release') await release(Number(rest[0]));
  else if (mode === 'hold') await hold();
  else if (mode === 'redeliver') await redeliver(rest[0], Number(rest[1]), Number(rest[2]));
  else throw new Error('unknown mode ' + mode);
  process.exit(0);
})().catch(e => { console.error(e); process.exit(1); });
