// Le bulletin de vote chiffré, construit dans le navigateur : docs/vote-protocol.md, §1 à §4, octet
// pour octet comme le module Rust `vote` (les vecteurs de vote/vectors/v1.json le vérifient).
// Module ES sans état : la page l'utilise au travers de vote-worker.js, les tests Node directement.
// Le code de vote ne quitte jamais le navigateur : seule la clé publique (le « credential ») et la
// signature partent dans le bulletin.

import { ristretto255, sha256, sha512, randomBytes } from './noble.js';

const Point = ristretto255.Point;
const G = Point.BASE;

/** ℓ, l'ordre du groupe ristretto255. */
export const ORDER = Point.Fn.ORDER;
export const DOMAIN = 'espace-electeur/vote/v1';
/** Base 32 de Crockford : ni I, ni L, ni O, ni U. */
export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 16;
export const BLANK = 'blanc';

const utf8 = new TextEncoder();

/**
 * Une vérification ou une lecture qui échoue. `kind` nomme ce qui a échoué, avec les mots des
 * vecteurs de test : "encoding", "record", "fingerprint", "code", "election", "scrutin", "choice",
 * "count", "choice <i>", "sum", "signature".
 */
export class VoteError extends Error {
  constructor(kind, message) {
    super(message || kind);
    this.name = 'VoteError';
    this.kind = kind;
  }
}

// ---------------------------------------------------------------------------------------------
// §1 Encodages : points et scalaires en 64 chiffres hexadécimaux minuscules, lus canoniquement

const HEX = '0123456789abcdef';

export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

/** 64 chiffres hexadécimaux minuscules en 32 octets ; toute autre écriture est refusée. */
export function fromHex32(text) {
  if (typeof text !== 'string' || !/^[0-9a-f]{64}$/.test(text)) {
    throw new VoteError('encoding', 'expected 64 lowercase hex digits');
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function numberLE(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function mod(n) {
  const r = n % ORDER;
  return r < 0n ? r + ORDER : r;
}

/** Un scalaire (0 ≤ n < ℓ) en 32 octets petit-boutiste. */
export function scalarBytes(n) {
  const out = new Uint8Array(32);
  let x = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Un point avec son encodage de 32 octets. */
function withBytes(point) {
  return { point, bytes: point.toBytes() };
}

export function parsePoint(text) {
  const bytes = fromHex32(text);
  let point;
  try {
    point = Point.fromBytes(bytes);
  } catch (_) {
    throw new VoteError('encoding', 'not a ristretto255 point');
  }
  return { point, bytes };
}

export function parseScalar(text) {
  const n = numberLE(fromHex32(text));
  if (n >= ORDER) throw new VoteError('encoding', 'scalar not below the group order');
  return n;
}

const scalarHex = (n) => toHex(scalarBytes(n));

// Le produit s·P ; P·0 est le neutre (la bibliothèque refuse 0 dans `multiply`). `multiply`, à
// temps constant, pour les scalaires secrets ; `multiplyUnsafe` pour les valeurs publiques.
const times = (point, n) => (n === 0n ? Point.ZERO : point.multiply(n));
const timesPublic = (point, n) => point.multiplyUnsafe(n);

// ---------------------------------------------------------------------------------------------
// §1 Transcription et hachages : T(tag, p1, …, pn), Hs (SHA-512 réduit modulo ℓ), Hb (SHA-256)

/** Un index u32(i) : 4 octets gros-boutiste. */
export function u32(i) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, i, false);
  return out;
}

/** Les parties : une chaîne (ses octets UTF-8) ou des octets (un point, un scalaire, u32(i)). */
export function transcript(tag, parts) {
  const chunks = [DOMAIN, tag, ...parts].map((p) => (typeof p === 'string' ? utf8.encode(p) : p));
  let length = 0;
  for (const c of chunks) length += 4 + c.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const c of chunks) {
    view.setUint32(at, c.length, false);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return out;
}

/** Hs(tag, …) : un défi. */
export function hashToScalar(tag, parts) {
  return mod(numberLE(sha512(transcript(tag, parts))));
}

/** Hb(tag, …) : une empreinte de 32 octets. */
export function hashToBytes(tag, parts) {
  return sha256(transcript(tag, parts));
}

/** Un scalaire uniforme : 64 octets aléatoires réduits modulo ℓ. */
export function randomScalar() {
  return mod(numberLE(randomBytes(64)));
}

// ---------------------------------------------------------------------------------------------
// §2 Le dossier de l'élection et son empreinte

/**
 * Lit le dossier publié (son texte exact) ; l'empreinte est le SHA-256 de ses octets UTF-8. Avec
 * `expectedFingerprint`, refuse un dossier dont l'empreinte diffère de celle annoncée.
 */
export function parseRecord(text, expectedFingerprint) {
  if (typeof text !== 'string') throw new VoteError('record', 'the record is not a text');
  const fingerprint = sha256(utf8.encode(text));
  const fingerprintHex = toHex(fingerprint);
  if (expectedFingerprint !== undefined && expectedFingerprint !== fingerprintHex) {
    throw new VoteError('fingerprint', 'the record does not have the announced fingerprint');
  }
  let record;
  try {
    record = JSON.parse(text);
  } catch (_) {
    throw new VoteError('record', 'the record is not JSON');
  }
  if (!record || record.version !== 1 || record.group !== 'ristretto255'
    || typeof record.election !== 'string' || !Array.isArray(record.scrutins)) {
    throw new VoteError('record', 'version 1 over ristretto255 expected');
  }
  for (const s of record.scrutins) {
    const ok = s && typeof s.id === 'string' && Array.isArray(s.choices) && s.choices.length >= 2
      && s.choices.every((c) => typeof c === 'string') && s.choices[s.choices.length - 1] === BLANK;
    if (!ok) throw new VoteError('record', 'a scrutin has its lists then blanc');
  }
  const y = parsePoint(record.public_key);
  // Y sert à chaque chiffré : une table précalculée accélère ses multiples.
  y.point.precompute(8, false);
  return {
    record,
    text,
    fingerprint,
    fingerprintHex,
    y,
    scrutin: (id) => record.scrutins.find((s) => s.id === id) || null,
  };
}

// ---------------------------------------------------------------------------------------------
// §3 Codes de vote et credentials

/** Le code tel que l'électeur le tape (espaces, tirets, minuscules, O pour 0, I ou L pour 1). */
export function normaliseCode(typed) {
  if (typeof typed !== 'string') throw new VoteError('code', 'characters');
  let out = '';
  for (const ch of typed) {
    let c = ch >= 'a' && ch <= 'z' ? ch.toUpperCase() : ch;
    if (c === ' ' || c === '-') continue;
    if (c === 'O') c = '0';
    else if (c === 'I' || c === 'L') c = '1';
    if (c.length !== 1 || !ALPHABET.includes(c)) {
      throw new VoteError('code', 'a character that a voting code does not have');
    }
    out += c;
  }
  if (out.length !== CODE_LENGTH) throw new VoteError('code', 'a voting code has 16 characters');
  return out;
}

/** k = Hs("credential", election, code) et C = k·G. */
export function credential(election, typedCode) {
  const code = normaliseCode(typedCode);
  const secret = hashToScalar('credential', [election, code]);
  const pub = withBytes(times(G, secret));
  return { code, secret, public: pub, publicHex: toHex(pub.bytes) };
}

// ---------------------------------------------------------------------------------------------
// §4 Le bulletin

function choiceChallenge(ctx, i, alpha, beta, commits) {
  return hashToScalar('choice', [ctx.fp, ctx.scrutin, ctx.credential, u32(i), alpha, beta,
    commits[0], commits[1], commits[2], commits[3]]);
}

function sumChallenge(ctx, pairs, a, b) {
  const parts = [ctx.fp, ctx.scrutin, ctx.credential];
  for (const [alpha, beta] of pairs) parts.push(alpha, beta);
  parts.push(a, b);
  return hashToScalar('sum', parts);
}

function signatureChallenge(ctx, digest, a) {
  return hashToScalar('signature', [ctx.fp, ctx.scrutin, ctx.credential, digest, a]);
}

/** D, l'empreinte du corps (§4.4), sur les choix lus ou construits. */
function bodyDigest(ctx, choices, sum) {
  const parts = [ctx.fp, ctx.scrutin, ctx.credential];
  for (const c of choices) {
    parts.push(c.alpha.bytes, c.beta.bytes);
    for (const p of c.proof) parts.push(scalarBytes(p.challenge), scalarBytes(p.response));
  }
  parts.push(scalarBytes(sum.challenge), scalarBytes(sum.response));
  return hashToBytes('ballot', parts);
}

/** A_b = s·G + c·alpha, B_b = s·Y + c·(beta − b·G), sur des valeurs publiques. */
function commitments(y, alpha, beta, b, c, s) {
  const a = timesPublic(G, s).add(timesPublic(alpha, c));
  const shifted = b === 1 ? beta.subtract(G) : beta;
  const bb = timesPublic(y, s).add(timesPublic(shifted, c));
  return [a.toBytes(), bb.toBytes()];
}

function base64url(bytes) {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += abc[n >> 18] + abc[(n >> 12) & 63] + abc[(n >> 6) & 63] + abc[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += abc[n >> 18] + abc[(n >> 12) & 63];
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += abc[n >> 18] + abc[(n >> 12) & 63] + abc[(n >> 6) & 63];
  }
  return out;
}

/** §4.5 : Hb("tracker", D, c_sig, s_sig) en base64url sans remplissage (43 caractères). */
function trackerOf(digest, signature) {
  return base64url(hashToBytes('tracker',
    [digest, scalarBytes(signature.challenge), scalarBytes(signature.response)]));
}

function toJson(fingerprintHex, scrutinId, cred, choices, sum, signature) {
  const proof = (p) => ({ challenge: scalarHex(p.challenge), response: scalarHex(p.response) });
  return {
    election: fingerprintHex,
    scrutin: scrutinId,
    credential: toHex(cred.bytes),
    choices: choices.map((c) => ({
      alpha: toHex(c.alpha.bytes),
      beta: toHex(c.beta.bytes),
      proof: [proof(c.proof[0]), proof(c.proof[1])],
    })),
    sum_proof: proof(sum),
    signature: proof(signature),
  };
}

/**
 * Construit et prouve un bulletin (§4.1 à §4.4) pour `choice` (l'identifiant d'une liste ou
 * "blanc") avec le code de vote tapé. Rend `{ ballot, tracker, digest }` ; `ballot` est l'objet
 * JSON envoyé au portail. `onProgress(fait, total)` est appelé après chaque choix chiffré.
 */
export function encrypt(sealed, scrutinId, choice, typedCode, onProgress) {
  const scrutin = sealed.scrutin(scrutinId);
  if (!scrutin) throw new VoteError('scrutin', 'unknown scrutin');
  const index = scrutin.choices.indexOf(choice);
  if (index < 0) throw new VoteError('choice', 'not a choice of this scrutin');
  const cred = credential(sealed.record.election, typedCode);
  return encryptVector(sealed, scrutinId, scrutin.choices.map((_, k) => k === index), cred,
    onProgress);
}

/**
 * Un bulletin pour n'importe quel vecteur 0/1 ; seuls ceux d'`encrypt` (un seul choix) sont
 * valides : les tests s'en servent pour construire les autres.
 */
export function encryptVector(sealed, scrutinId, vector, cred, onProgress) {
  const y = sealed.y.point;
  const ctx = { fp: sealed.fingerprint, scrutin: scrutinId, credential: cred.public.bytes };
  const choices = [];
  let totalR = 0n;
  vector.forEach((chosen, i) => {
    const r = randomScalar();
    totalR = mod(totalR + r);
    const m = chosen ? 1 : 0;
    const alpha = withBytes(times(G, r));
    const beta = withBytes(chosen ? times(y, r).add(G) : times(y, r));
    // la branche simulée
    const o = 1 - m;
    const cO = randomScalar();
    const sO = randomScalar();
    const [aO, bO] = commitments(y, alpha.point, beta.point, o, cO, sO);
    // la branche réelle
    const w = randomScalar();
    const aM = times(G, w).toBytes();
    const bM = times(y, w).toBytes();
    const commits = m === 0 ? [aM, bM, aO, bO] : [aO, bO, aM, bM];
    const c = choiceChallenge(ctx, i, alpha.bytes, beta.bytes, commits);
    const cM = mod(c - cO);
    const real = { challenge: cM, response: mod(w - cM * r) };
    const simulated = { challenge: cO, response: sO };
    choices.push({ alpha, beta, proof: m === 0 ? [real, simulated] : [simulated, real] });
    if (onProgress) onProgress(i + 1, vector.length);
  });
  const pairs = choices.map((c) => [c.alpha.bytes, c.beta.bytes]);
  let w = randomScalar();
  let c = sumChallenge(ctx, pairs, times(G, w).toBytes(), times(y, w).toBytes());
  const sum = { challenge: c, response: mod(w - c * totalR) };
  const digest = bodyDigest(ctx, choices, sum);
  w = randomScalar();
  c = signatureChallenge(ctx, digest, times(G, w).toBytes());
  const signature = { challenge: c, response: mod(w - c * cred.secret) };
  return {
    ballot: toJson(sealed.fingerprintHex, scrutinId, cred.public, choices, sum, signature),
    tracker: trackerOf(digest, signature),
    digest: toHex(digest),
  };
}

// ---------------------------------------------------------------------------------------------
// §4.6 La vérification d'un bulletin

function exactKeys(object, keys) {
  if (!object || typeof object !== 'object' || Array.isArray(object)) return false;
  const own = Object.keys(object);
  return own.length === keys.length && keys.every((k) => own.includes(k));
}

function parseProof(p) {
  if (!exactKeys(p, ['challenge', 'response'])) throw new VoteError('encoding', 'a proof');
  return { challenge: parseScalar(p.challenge), response: parseScalar(p.response) };
}

/** Lit un bulletin JSON comme le module Rust : champs exacts, encodages canoniques. */
export function parseBallot(json) {
  const fields = ['election', 'scrutin', 'credential', 'choices', 'sum_proof', 'signature'];
  if (!exactKeys(json, fields) || typeof json.election !== 'string'
    || typeof json.scrutin !== 'string' || !Array.isArray(json.choices)) {
    throw new VoteError('encoding', 'not a ballot');
  }
  return {
    election: json.election,
    scrutin: json.scrutin,
    credential: parsePoint(json.credential),
    choices: json.choices.map((c) => {
      if (!exactKeys(c, ['alpha', 'beta', 'proof']) || !Array.isArray(c.proof) || c.proof.length !== 2) {
        throw new VoteError('encoding', 'an encrypted choice');
      }
      return { alpha: parsePoint(c.alpha), beta: parsePoint(c.beta), proof: c.proof.map(parseProof) };
    }),
    sum: parseProof(json.sum_proof),
    signature: parseProof(json.signature),
  };
}

/**
 * Vérifie un bulletin JSON contre le dossier (§4.6, points 1 et 2) : l'élection, le scrutin, le
 * nombre de choix, chaque preuve et la signature. Rend `{ digest, tracker }` ; lève une VoteError
 * qui nomme le premier contrôle en échec. La liste des credentials est l'affaire de l'appelant.
 */
export function verify(sealed, json) {
  const b = parseBallot(json);
  if (b.election !== sealed.fingerprintHex) throw new VoteError('election', 'another election');
  const scrutin = sealed.scrutin(b.scrutin);
  if (!scrutin) throw new VoteError('scrutin', 'unknown scrutin');
  if (b.choices.length !== scrutin.choices.length) throw new VoteError('count', 'wrong number of choices');
  const y = sealed.y.point;
  const ctx = { fp: sealed.fingerprint, scrutin: b.scrutin, credential: b.credential.bytes };
  let sumA = Point.ZERO;
  let sumB = Point.ZERO;
  b.choices.forEach((c, i) => {
    const [p0, p1] = c.proof;
    const [a0, b0] = commitments(y, c.alpha.point, c.beta.point, 0, p0.challenge, p0.response);
    const [a1, b1] = commitments(y, c.alpha.point, c.beta.point, 1, p1.challenge, p1.response);
    const expected = choiceChallenge(ctx, i, c.alpha.bytes, c.beta.bytes, [a0, b0, a1, b1]);
    if (mod(p0.challenge + p1.challenge) !== expected) throw new VoteError(`choice ${i}`, 'choice proof');
    sumA = sumA.add(c.alpha.point);
    sumB = sumB.add(c.beta.point);
  });
  const { challenge: c, response: s } = b.sum;
  const a = timesPublic(G, s).add(timesPublic(sumA, c)).toBytes();
  const bb = timesPublic(y, s).add(timesPublic(sumB.subtract(G), c)).toBytes();
  const pairs = b.choices.map((ch) => [ch.alpha.bytes, ch.beta.bytes]);
  if (sumChallenge(ctx, pairs, a, bb) !== c) throw new VoteError('sum', 'sum proof');
  const digest = bodyDigest(ctx, b.choices, b.sum);
  const sig = b.signature;
  const sa = timesPublic(G, sig.response).add(timesPublic(b.credential.point, sig.challenge)).toBytes();
  if (signatureChallenge(ctx, digest, sa) !== sig.challenge) throw new VoteError('signature', 'signature');
  return { digest: toHex(digest), tracker: trackerOf(digest, sig) };
}
