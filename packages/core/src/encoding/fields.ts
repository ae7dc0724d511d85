import { ADDRESS_LENGTH } from '../crypto/address.ts';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/ed25519.ts';
import { HASH_LENGTH } from '../crypto/hash.ts';
import { bytes, text } from './codec.ts';

/** Field codecs shared by every encoded type. */
export const hash32 = bytes(HASH_LENGTH);
export const publicKey = bytes(PUBLIC_KEY_LENGTH);
export const signature = bytes(SIGNATURE_LENGTH);
export const address = bytes(ADDRESS_LENGTH);
export const chainIdText = text(64, /^[a-z0-9][a-z0-9-]*$/);
