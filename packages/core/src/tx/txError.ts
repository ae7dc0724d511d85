import { CodedError } from '../errors.ts';

/**
 * Every code a transaction refusal can carry, by domain, and whether it holds
 * whatever the state. A `stateless` refusal is wrong on its face (bytes,
 * chain, signatures, arithmetic): it holds on every LEAG, so a peer that
 * relays such a transaction is at fault. Every other refusal depends on the
 * receiver's view (spent, duplicate, full, a window that just closed) and is
 * no one's fault. `code` is stable and machine-readable: it is what the API
 * returns and what metrics count.
 */
export const TX_ERROR_CODES = {
  // envelope (`malformed` is the decoder's code)
  malformed: { stateless: true },
  'wrong-chain': { stateless: true },
  'bad-version': { stateless: false },
  'too-large': { stateless: false },
  premature: { stateless: false },
  expired: { stateless: false },
  'unsupported-kind': { stateless: false },
  // signatures
  'bad-signature': { stateless: true },
  'unsorted-witnesses': { stateless: true },
  'missing-signature': { stateless: false },
  'extra-signature': { stateless: false },
  'wrong-signer': { stateless: false },
  // ledger
  'duplicate-input': { stateless: true },
  'zero-output': { stateless: true },
  'supply-overflow': { stateless: true },
  'no-inputs': { stateless: false },
  'no-outputs': { stateless: false },
  'no-value': { stateless: false },
  'missing-input': { stateless: false },
  'double-spend': { stateless: false },
  overspend: { stateless: false },
  unbalanced: { stateless: false },
  'unexpected-value': { stateless: false },
  // registry, deposits and tariffs
  unregistered: { stateless: false },
  'already-registered': { stateless: false },
  duplicate: { stateless: false },
  'deposit-limit': { stateless: false },
  'invalid-tariff': { stateless: false },
  'no-tariff': { stateless: false },
  // market (core/src/market)
  'invalid-order': { stateless: false },
  'price-out-of-bounds': { stateless: false },
  'window-closed': { stateless: false },
  'wrong-window': { stateless: false },
  'escrow-short': { stateless: false },
  untrusted: { stateless: false },
  'unknown-order': { stateless: false },
  'not-cleared': { stateless: false },
  'not-matched': { stateless: false },
  'invalid-meter': { stateless: false },
  'wrong-meter': { stateless: false },
  'grid-short': { stateless: false },
  // consensus (consensus/src/rules)
  'invalid-evidence': { stateless: false },
  'duplicate-evidence': { stateless: false },
  'invalid-reinstate': { stateless: false },
  'not-below-minimum': { stateless: false },
  'not-committee': { stateless: false },
  'no-quorum': { stateless: false },
} as const satisfies Record<string, { readonly stateless: boolean }>;

export type TxErrorCode = keyof typeof TX_ERROR_CODES;

/** Refusals at admission that are about the LEAG, not the transaction. */
export type AdmissionCode = TxErrorCode | 'mempool-full' | 'unavailable' | 'overloaded';

export type TxErrorType = { code: TxErrorCode; reason: string };

/** Why a transaction was refused: a code from `TX_ERROR_CODES` and a sentence a person can act on. */
export class TxError extends CodedError<TxErrorType> {
  constructor(code: TxErrorCode, reason: string) {
    super({ code, reason }, `${code}: ${reason}`);
  }
}

/** Whether a refusal with this code holds on every LEAG whatever its state (see `TX_ERROR_CODES`). */
export function isStatelessTxCode(code: string): boolean {
  return Object.hasOwn(TX_ERROR_CODES, code) && TX_ERROR_CODES[code as TxErrorCode].stateless;
}
