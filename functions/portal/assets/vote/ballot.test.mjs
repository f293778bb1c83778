// The browser's ballot code (ballot.js) against the shared vectors of vote/vectors/v1.json, which
// the Rust crate checks too (`cargo test -p vote --test vectors`), and ballots made here for the
// Rust side: vote/vectors/from-browser.json, checked here and by that same Rust test.
//
//   node --test functions/portal/assets/vote/
//   UPDATE_VECTORS=1 node --test functions/portal/assets/vote/   writes from-browser.json anew
//
// Not served by the portal (only the files that functions/portal/src/lib.rs includes are).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as B from './ballot.js';
import { ristretto255 } from './noble.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VECTORS = path.resolve(HERE, '../../../../vote/vectors');
const v1 = JSON.parse(readFileSync(path.join(VECTORS, 'v1.json'), 'utf8'));
const FROM_BROWSER = path.join(VECTORS, 'from-browser.json');
const sealed = B.parseRecord(v1.record, v1.fingerprint);
const secretKey = B.parseScalar(v1.election_secret_key);
const CODE = v1.ballots[0].code;

function hexBytes(h) {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function parts(list) {
  return list.map((p) => {
    if ('str' in p) return p.str;
    if ('bytes' in p) return hexBytes(p.bytes);
    return B.u32(p.index);
  });
}

// The choices a ballot encrypts, read with the election's secret key: those whose
// beta − x·alpha is not the neutral element.
function decrypt(json) {
  const scrutin = sealed.scrutin(json.scrutin);
  return json.choices.map((c, i) => {
    const alpha = B.parsePoint(c.alpha).point;
    const beta = B.parsePoint(c.beta).point;
    return beta.subtract(alpha.multiply(secretKey)).is0() ? null : scrutin.choices[i];
  }).filter(Boolean);
}

function failsWith(json, kind, why) {
  assert.throws(() => B.verify(sealed, json), (e) => {
    assert.ok(e instanceof B.VoteError, `${why}: ${e}`);
    assert.equal(e.kind, kind, why);
    return true;
  }, why);
}

const copy = (x) => JSON.parse(JSON.stringify(x));

test('the transcripts hash as Hs and Hb say', () => {
  assert.ok(v1.transcript.length >= 4);
  for (const t of v1.transcript) {
    const p = parts(t.parts);
    assert.equal(B.toHex(B.scalarBytes(B.hashToScalar(t.tag, p))), t.hs, `Hs of ${t.tag}`);
    assert.equal(B.toHex(B.hashToBytes(t.tag, p)), t.hb, `Hb of ${t.tag}`);
  }
});

test('voting codes are normalised and give their credentials', () => {
  for (const c of v1.codes) {
    assert.equal(B.normaliseCode(c.typed), c.normalised);
    const cred = B.credential(c.election, c.typed);
    assert.equal(B.toHex(B.scalarBytes(cred.secret)), c.secret, c.typed);
    assert.equal(cred.publicHex, c.public, c.typed);
  }
  assert.equal(B.normaliseCode('7kq2-m4xd o1il 9zzz'), '7KQ2M4XD01119ZZZ');
  for (const bad of ['7KQ2-M4XD-0111-9ZZ', '7KQ2-M4XD-0111-9ZZU', '7KQ2-M4XD-0111-9ZZZZ', 'É'.repeat(16), '']) {
    assert.throws(() => B.normaliseCode(bad), (e) => e.kind === 'code', bad);
  }
  const other = B.credential('autre', c0().typed);
  assert.notEqual(other.publicHex, c0().public, 'the credential depends on the election');
});

function c0() {
  return v1.codes[0];
}

test('the record has its fingerprint and the key of the vectors', () => {
  assert.equal(sealed.fingerprintHex, v1.fingerprint);
  assert.equal(B.toHex(ristretto255.Point.BASE.multiply(secretKey).toBytes()), sealed.record.public_key);
  assert.throws(() => B.parseRecord(v1.record, '00'.repeat(32)), (e) => e.kind === 'fingerprint');
  assert.throws(() => B.parseRecord(v1.record.replace('CAPA', 'CAPB'), v1.fingerprint),
    (e) => e.kind === 'fingerprint', 'a record changed after the fact');
  assert.throws(() => B.parseRecord(v1.record.replace('"blanc"', '"nul"')), (e) => e.kind === 'record');
});

test('every ballot of the vectors verifies, with its digest and tracker, and holds its choice', () => {
  assert.ok(v1.ballots.length >= 3);
  for (const b of v1.ballots) {
    const { digest, tracker } = B.verify(sealed, b.ballot);
    assert.equal(digest, b.digest, `${b.scrutin} ${b.choice}`);
    assert.equal(tracker, b.tracker, `${b.scrutin} ${b.choice}`);
    assert.deepEqual(decrypt(b.ballot), [b.choice]);
    assert.equal(b.ballot.credential, B.credential(sealed.record.election, b.code).publicHex);
  }
});

test('every invalid ballot of the vectors fails with the named check', () => {
  assert.ok(v1.invalid.length >= 5);
  for (const b of v1.invalid) failsWith(b.ballot, b.error, b.why);
});

test('ballots made here verify, and every change to one is refused', () => {
  const scrutin = sealed.scrutin('CAPA');
  for (const choice of scrutin.choices) {
    const made = B.encrypt(sealed, 'CAPA', choice, CODE);
    assert.equal(B.verify(sealed, made.ballot).tracker, made.tracker);
    assert.equal(made.tracker.length, 43);
    assert.match(made.tracker, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(decrypt(made.ballot), [choice]);
  }
  const { ballot } = B.encrypt(sealed, 'CAPA', 'L2', CODE);
  const other = B.credential(sealed.record.election, v1.codes[1].typed);

  const copied = copy(ballot);
  copied.credential = other.publicHex;
  failsWith(copied, 'choice 0', 'copied under another credential');
  const moved = copy(ballot);
  moved.scrutin = 'CTM';
  failsWith(moved, 'count', 'moved to a scrutin with more choices');
  const swapped = copy(ballot);
  [swapped.choices[0], swapped.choices[1]] = [swapped.choices[1], swapped.choices[0]];
  failsWith(swapped, 'choice 0', 'ciphertexts swapped');
  const resigned = copy(ballot);
  resigned.signature = B.encrypt(sealed, 'CAPA', 'L2', v1.codes[1].typed).ballot.signature;
  failsWith(resigned, 'signature', 'signature of another code');
  const elsewhere = copy(ballot);
  elsewhere.election = '00'.repeat(32);
  failsWith(elsewhere, 'election', 'another election');
  for (const vector of [[true, true, false], [false, false, false]]) {
    const wrong = B.encryptVector(sealed, 'CAPA', vector, B.credential(sealed.record.election, CODE));
    failsWith(wrong.ballot, 'sum', `choices ${vector}`);
  }
  // a choice encrypting 2: its 0/1 proof cannot hold
  const two = copy(ballot);
  const g = ristretto255.Point.BASE;
  two.choices[1].beta = B.toHex(B.parsePoint(two.choices[1].beta).point.add(g).toBytes());
  failsWith(two, 'choice 1', 'a choice encrypting 2');
  // encodings: upper-case hex, a scalar not below ℓ, not a point, an unknown field
  const upper = copy(ballot);
  upper.credential = upper.credential.toUpperCase();
  failsWith(upper, 'encoding', 'upper-case hex');
  const big = copy(ballot);
  big.sum_proof.response = 'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010';
  failsWith(big, 'encoding', 'ℓ as a scalar');
  const notPoint = copy(ballot);
  notPoint.choices[0].alpha = 'ff'.repeat(32);
  failsWith(notPoint, 'encoding', 'not a point');
  const extra = copy(ballot);
  extra.voter = 'x';
  failsWith(extra, 'encoding', 'an unknown field');
  assert.throws(() => B.encrypt(sealed, 'CAPA', 'L9', CODE), (e) => e.kind === 'choice');
  assert.throws(() => B.encrypt(sealed, 'AUTRE', 'L1', CODE), (e) => e.kind === 'scrutin');
  assert.throws(() => B.encrypt(sealed, 'CAPA', 'L1', '1234'), (e) => e.kind === 'code');
});

test('the ballots written for the Rust verifier verify here and hold their choices', () => {
  if (process.env.UPDATE_VECTORS === '1') {
    const ballots = [];
    for (const [scrutin, choice] of [['CTM', 'L1'], ['CTM', 'L8'], ['CTM', 'blanc'], ['CAPA', 'L2'], ['CAPA', 'blanc']]) {
      const made = B.encrypt(sealed, scrutin, choice, CODE);
      ballots.push({ scrutin, choice, ballot: made.ballot, tracker: made.tracker });
    }
    const about = 'Ballots made by functions/portal/assets/vote/ballot.js against the record of v1.json '
      + '(`UPDATE_VECTORS=1 node --test functions/portal/assets/vote/`); `cargo test -p vote --test vectors` '
      + 'verifies each one and its tracker.';
    writeFileSync(FROM_BROWSER, JSON.stringify({ about, ballots }, null, 2) + '\n');
  }
  const written = JSON.parse(readFileSync(FROM_BROWSER, 'utf8'));
  assert.ok(written.ballots.length >= 5);
  const scrutins = new Set();
  for (const b of written.ballots) {
    assert.equal(b.ballot.scrutin, b.scrutin);
    assert.equal(B.verify(sealed, b.ballot).tracker, b.tracker, `${b.scrutin} ${b.choice}`);
    assert.deepEqual(decrypt(b.ballot), [b.choice]);
    scrutins.add(b.scrutin);
  }
  assert.equal(scrutins.size, sealed.record.scrutins.length, 'a ballot for every scrutin');
});

test('a nine-choice ballot is built in a few hundred milliseconds at most', () => {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    B.encrypt(sealed, 'CTM', 'L3', CODE);
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  const median = runs[2];
  process.stdout.write(`# nine-choice ballot built in ${median.toFixed(1)} ms (median of 5, Node ${process.version})\n`);
  assert.ok(median < 1000, `${median} ms`);
});
