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
