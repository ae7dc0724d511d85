import { CodedError } from '../errors.ts';

/**
 * Why a transaction was refused. `code` is stable and machine-readable (it is
 * what the API returns and what metrics count); `reason` is a sentence a
 * person can act on. Codes by domain:
 * - envelope: wrong-chain, bad-version, premature, too-large, malformed
 * - signatures: bad-signature, missing-signature, extra-signature, unsorted-witnesses
 * - ledger: no-inputs, duplicate-input, missing-input, double-spend, overspend, zero-output, supply-overflow
 * - registry: unregistered, already-registered, wrong-signer
 * - deposits and tariffs: duplicate, deposit-limit, invalid-tariff
 * - market, consensus: see their rule files
 */
export type TxErrorType = { code: string; reason: string };

export class TxError extends CodedError<TxErrorType> {
  constructor(code: string, reason: string) {
    super({ code, reason }, `${code}: ${reason}`);
  }
}

/**
 * Refusals that hold on every LEAG whatever its state: the transaction is
 * wrong on its face (bytes, chain, signatures, arithmetic). A peer that
 * relays one is at fault; every other refusal depends on the receiver's
 * view (spent, duplicate, full, a window that just closed) and is no one's
 * fault. `malformed` is the decoder's code.
 */
export const STATELESS_TX_CODES: ReadonlySet<string> = new Set([
  'malformed',
  'wrong-chain',
  'bad-signature',
  'unsorted-witnesses',
  'duplicate-input',
  'zero-output',
  'supply-overflow',
]);
