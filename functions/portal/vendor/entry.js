// What the browser's ballot (assets/vote/ballot.js) takes from the two libraries: the
// ristretto255 group, SHA-256, SHA-512 and the system's random generator.
export { ristretto255 } from '@noble/curves/ed25519.js';
export { sha256, sha512 } from '@noble/hashes/sha2.js';
export { randomBytes } from '@noble/hashes/utils.js';
