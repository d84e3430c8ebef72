#!/usr/bin/env node
// NATS JetStream load for Weir's whole-system benchmark (bench/run.sh): publishes N records of
// SIZE bytes to a file-backed stream with up to WINDOW publishes awaiting their acks, then reads
// them all back with an ordered consumer. Prints one JSON line per phase:
// {"phase", "records", "seconds", "records_s", ...}; exits 1 if an ack carries an error or the
// stream holds fewer records than were acked.
//
// Async publish the way the Go client's PublishAsync does it: a core publish whose reply subject
// is one inbox subscription that receives every PubAck. (js.publish() in nats.js awaits a request
// per record, a promise and a timer each; it tops out near 20,000 records/s on this box, so it
// would measure the client, not the server.)
//
// Usage: node bench.js --server 127.0.0.1:PORT --records N --size BYTES [--window W] [--consume]
// The `nats` package comes from package.json/package-lock.json, installed by bench/setup.sh into
// the bench cache; bench.py points NODE_PATH at it.
'use strict';
const { connect, StorageType, createInbox } = require('nats');

function args() {
  const a = { server: '127.0.0.1:4222', records: 100000, size: 100, window: 4096, consume: false };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i++) {
    const k = v[i].replace(/^--/, '');
    if (k === 'consume') a.consume = true;
    else a[k] = k === 'server' ? v[++i] : Number(v[++i]);
  }
  return a;
}

async function main() {
  const a = args();
  const nc = await connect({ servers: a.server });
  const jsm = await nc.jetstreamManager();
  const stream = 'BENCH';
  const subject = 'bench.records';
  await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File });
  const payload = new Uint8Array(a.size).fill(120);

  const inbox = createInbox();
  const decoder = new TextDecoder();
  let sent = 0;
  let acked = 0;
  let firstError = null;
  let wake = null;
  nc.subscribe(inbox, {
    callback: (err, m) => {
      const ack = err ? String(err) : decoder.decode(m.data);
      if (ack.includes('"error"') || err) firstError = firstError || ack;
      acked++;
      if (wake && (sent - acked < a.window || acked === a.records)) {
        const w = wake;
        wake = null;
        w();
      }
    },
  });
  await nc.flush();

  const t0 = process.hrtime.bigint();
  while (sent < a.records) {
    if (sent - acked >= a.window) {
      await new Promise((resolve) => { wake = resolve; });
      continue;
    }
    nc.publish(subject, payload, { reply: inbox });
    sent++;
  }
  if (acked < a.records) await new Promise((resolve) => { wake = resolve; });
  const pubSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const info = await jsm.streams.info(stream);
  console.log(JSON.stringify({ phase: 'publish', records: acked, stored: info.state.messages,
    seconds: pubSeconds, records_s: acked / pubSeconds, error: firstError }));
  if (firstError || info.state.messages !== a.records) process.exitCode = 1;

  if (a.consume) {
    const js = nc.jetstream();
    const consumer = await js.consumers.get(stream); // ordered consumer from the first record
    const t1 = process.hrtime.bigint();
    let n = 0;
    let bytes = 0;
    const messages = await consumer.consume({ max_messages: 4096 });
    for await (const m of messages) {
      n++;
      bytes += m.data.length;
      if (n === a.records) break;
    }
    const conSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    console.log(JSON.stringify({ phase: 'consume', records: n, bytes, seconds: conSeconds,
      records_s: n / conSeconds }));
  }
  await nc.close();
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
