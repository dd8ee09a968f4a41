// Closed-loop HTTP load on the Schema Registry: CONCURRENCY keep-alive connections each send one request after
// another for SECONDS; prints requests/s and latency percentiles. Usage: node schema-registry-load.js URL OP SECONDS CONCURRENCY
// OP: register (a new Avro schema under a new subject per request), lookup (GET /schemas/ids/{id} over ids 1..100),
// compat (POST /compatibility/subjects/bench-0-value/versions/latest with a compatible evolution).
'use strict';
const http = require('http');
const [url, op, seconds, concurrency] = [process.argv[2], process.argv[3], Number(process.argv[4] || 10), Number(process.argv[5] || 16)];
const base = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const CT = 'application/vnd.schemaregistry.v1+json';
const avro = (name, extra) => JSON.stringify({ type: 'record', name, fields: [{ name: 'id', type: 'int' }, ...extra] });
let seq = 0;

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, agent, headers: body ? { 'Content-Type': CT } : {} }, res => {
      let data = '';
      res.on('data', c => { data += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`${method} ${path}: ${res.statusCode} ${data}`))));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const ops = {
  register: () => { const n = seq++; return request('POST', `/subjects/bench-r${process.pid}-${n}-value/versions`, JSON.stringify({ schema: avro(`R${n}`, []) })); },
  lookup: () => request('GET', `/schemas/ids/${1 + (seq++ % 100)}`),
  compat: () => request('POST', '/compatibility/subjects/bench-0-value/versions/latest',
    JSON.stringify({ schema: avro('R0', [{ name: 'note', type: 'string', default: '' }]) })),
};

async function main() {
  // Seed: 100 subjects with one schema each (ids 1..100 on a fresh broker), bench-0-value among them.
  for (let i = 0; i < 100; i++) await request('POST', `/subjects/bench-${i}-value/versions`, JSON.stringify({ schema: avro(`R${i}`, []) }));
  const run = ops[op];
  if (!run) throw new Error(`unknown op ${op}`);
  const latencies = [];
  const end = Date.now() + seconds * 1000;
  async function worker() {
    while (Date.now() < end) {
      const t = process.hrtime.bigint();
      await run();
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = q => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(`${op}: ${latencies.length} requests in ${elapsed.toFixed(1)} s = ${Math.round(latencies.length / elapsed)} req/s, ` +
    `concurrency ${concurrency}, latency ms p50 ${p(0.5)} p99 ${p(0.99)} max ${latencies[latencies.length - 1].toFixed(2)}`);
  agent.destroy();
}
main().catch(e => { console.error(e.message); process.exit(1); });
