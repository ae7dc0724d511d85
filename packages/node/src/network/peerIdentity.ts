import { generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface';
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id';
import { type KeyPair, PUBLIC_KEY_LENGTH } from '@v2g/core';

/**
 * A LEAG's libp2p identity is its ledger ed25519 key, so a peer id maps to
 * exactly one LEAG and back without a lookup table.
 */
export async function privateKeyFromLeagKey(keyPair: KeyPair): Promise<Ed25519PrivateKey> {
  const key = await generateKeyPairFromSeed('Ed25519', keyPair.secretKey);
  const derived = key.publicKey.raw;
  if (!bytesMatch(derived, keyPair.publicKey))
    throw new RangeError('LEAG key pair: public key does not match seed');
  return key;
}

export function peerIdFromLeagKey(publicKey: Uint8Array): PeerId {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) throw new RangeError('LEAG public key must be 32 bytes');
  return peerIdFromPublicKey(publicKeyFromRaw(publicKey));
}

/** The LEAG public key behind a peer id, or null when the peer id is not an ed25519 one. */
export function leagKeyFromPeerId(peerId: PeerId | string): Uint8Array | null {
  let id: PeerId;
  try {
    id = typeof peerId === 'string' ? peerIdFromString(peerId) : peerId;
  } catch {
    return null;
  }
  if (id.type !== 'Ed25519') return null;
  return id.publicKey.raw;
}

function bytesMatch(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
