import { sha256, utf8 } from './hash.ts';

export const ADDRESS_LENGTH = 20;

const WALLET_TAG = utf8('v2g/address/v1');
const ACCOUNT_TAG = utf8('v2g/account/v1');

/**
 * A one-time wallet address: the first 20 bytes of H(tag ‖ wallet public key).
 * EVs use a fresh wallet key per trade, so trades are not linkable on-chain
 * by address (seed 2.2 step 1).
 */
export function walletAddress(publicKey: Uint8Array): Uint8Array {
  return sha256(WALLET_TAG, publicKey).subarray(0, ADDRESS_LENGTH);
}

/** The account id of a long-term key (EV account, LEAG, meter): H(tag ‖ key), 32 bytes. */
export function accountId(publicKey: Uint8Array): Uint8Array {
  return sha256(ACCOUNT_TAG, publicKey);
}
