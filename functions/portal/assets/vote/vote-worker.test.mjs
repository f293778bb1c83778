// The ballot's worker (vote-worker.js) and its messages, run in a Node worker thread with the
// two things of a browser worker it uses (`self.addEventListener`, `self.postMessage`).
//
//   node --test functions/portal/assets/vote/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import * as B from './ballot.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const v1 = JSON.parse(readFileSync(path.resolve(HERE, '../../../../vote/vectors/v1.json'), 'utf8'));
const sealed = B.parseRecord(v1.record, v1.fingerprint);
const CODE = v1.ballots[0].code;

function startWorker() {
  const module = pathToFileURL(path.join(HERE, 'vote-worker.js')).href;
  const source = `
    const { parentPort } = require('node:worker_threads');
    globalThis.self = {
      addEventListener: (type, listener) => parentPort.on(type, (data) => listener({ data })),
      postMessage: (message) => parentPort.postMessage(message),
    };
    import(${JSON.stringify(module)});
  `;
  const worker = new Worker(source, { eval: true });
  const replies = [];
  const waiting = new Map();
  worker.on('message', (m) => {
    replies.push(m);
    if (m.type === 'done' && waiting.has(m.id)) waiting.get(m.id)(m);
  });
  let id = 0;
  const ask = (message) => new Promise((resolve) => {
    id += 1;
    waiting.set(id, resolve);
    worker.postMessage({ id, ...message });
  });
  return { ask, replies, stop: () => worker.terminate() };
}

test('the worker reads the record only with its announced fingerprint', async () => {
  const w = startWorker();
  try {
    const ok = await w.ask({ type: 'record', record: v1.record, fingerprint: v1.fingerprint });
    assert.equal(ok.ok, true);
    assert.equal(ok.fingerprint, v1.fingerprint);
    assert.equal(ok.publicKey, sealed.record.public_key);
    assert.deepEqual(ok.scrutins.map((s) => s.id), sealed.record.scrutins.map((s) => s.id));
    const changed = await w.ask({ type: 'record', record: v1.record + ' ', fingerprint: v1.fingerprint });
    assert.deepEqual([changed.ok, changed.kind], [false, 'fingerprint']);
    const ballot = await w.ask({ type: 'ballot', record: v1.record + ' ', fingerprint: v1.fingerprint,
      scrutin: 'CAPA', choice: 'L1', code: CODE });
    assert.deepEqual([ballot.ok, ballot.kind], [false, 'fingerprint'], 'a ballot over another record');
  } finally {
    await w.stop();
  }
});

test('the worker builds a ballot that verifies, with progress, and says what is wrong with a code', async () => {
  const w = startWorker();
  try {
    const base = { type: 'ballot', record: v1.record, fingerprint: v1.fingerprint, scrutin: 'CTM' };
    const made = await w.ask({ ...base, choice: 'L5', code: CODE });
    assert.equal(made.ok, true);
    assert.equal(B.verify(sealed, made.ballot).tracker, made.tracker);
    assert.ok(made.milliseconds > 0);
    const progress = w.replies.filter((r) => r.id === made.id && r.type === 'progress');
    assert.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const short = await w.ask({ ...base, choice: 'L5', code: '7KQ2-M4XD' });
    assert.deepEqual([short.ok, short.kind], [false, 'code']);
    assert.match(short.reason, /16/);
    assert.ok(!JSON.stringify(short).includes('7KQ2'), 'the reply repeats the code');
    const letter = await w.ask({ ...base, choice: 'L5', code: '7KQ2-M4XD-0111-9ZZU' });
    assert.deepEqual([letter.ok, letter.kind], [false, 'code']);
    assert.doesNotMatch(letter.reason, /16/);
    const unknown = await w.ask({ ...base, choice: 'L9', code: CODE });
    assert.deepEqual([unknown.ok, unknown.kind], [false, 'choice']);
    const odd = await w.ask({ type: 'other', record: v1.record, fingerprint: v1.fingerprint });
    assert.deepEqual([odd.ok, odd.kind], [false, 'request']);
  } finally {
    await w.stop();
  }
});
