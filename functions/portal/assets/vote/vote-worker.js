// Travailleur (module) du bulletin : lit le dossier de l'élection et construit le bulletin chiffré
// hors du fil de la page, qui reste réactive pendant les calculs.
//
// Messages reçus : { id, type: 'record', record, fingerprint }
//                  { id, type: 'ballot', record, fingerprint, scrutin, choice, code }
// Réponses :       { id, type: 'progress', done, total } pendant le chiffrement, puis
//                  { id, type: 'done', ok: true, ... } ou { id, type: 'done', ok: false, kind }.
// Le dossier est toujours relu avec l'empreinte annoncée : un dossier qui ne l'a pas est refusé et
// aucun bulletin n'est construit. Le code de vote ne sert qu'au calcul et n'est gardé nulle part.

import { parseRecord, encrypt } from './ballot.js';

let cached = null;

function sealedRecord(text, fingerprint) {
  if (!cached || cached.text !== text || cached.fingerprint !== fingerprint) {
    cached = { text, fingerprint, sealed: parseRecord(text, fingerprint) };
  }
  return cached.sealed;
}

self.addEventListener('message', (event) => {
  const message = event.data || {};
  const id = message.id;
  try {
    const sealed = sealedRecord(message.record, message.fingerprint);
    if (message.type === 'record') {
      self.postMessage({
        id,
        type: 'done',
        ok: true,
        election: sealed.record.election,
        fingerprint: sealed.fingerprintHex,
        publicKey: sealed.record.public_key,
        scrutins: sealed.record.scrutins.map((s) => ({ id: s.id, name: s.name, choices: s.choices })),
      });
    } else if (message.type === 'ballot') {
      const started = performance.now();
      const made = encrypt(sealed, message.scrutin, message.choice, message.code,
        (done, total) => self.postMessage({ id, type: 'progress', done, total }));
      self.postMessage({
        id,
        type: 'done',
        ok: true,
        ballot: made.ballot,
        tracker: made.tracker,
        milliseconds: performance.now() - started,
      });
    } else {
      self.postMessage({ id, type: 'done', ok: false, kind: 'request' });
    }
  } catch (error) {
    const kind = (error && error.kind) || 'internal';
    // Pour un code mal saisi, ce qui ne va pas (sa longueur ou un caractère) ; jamais le code.
    const reason = kind === 'code' ? error.message : undefined;
    self.postMessage({ id, type: 'done', ok: false, kind, reason });
  }
});
