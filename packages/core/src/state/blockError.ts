import { CodedError } from '../errors.ts';
import type { TxError } from '../tx/txError.ts';

export type BlockErrorType =
  | { code: 'wrong-chain'; chainId: string }
  | { code: 'bad-version'; version: number }
  | { code: 'wrong-height'; expected: number; got: number }
  | { code: 'wrong-parent' }
  | { code: 'timestamp-too-early'; parent: number; got: number }
  | { code: 'too-many-txs'; count: number; limit: number }
  | { code: 'tx-root-mismatch' }
  | { code: 'last-commit-mismatch' }
  | { code: 'state-root-mismatch' }
  | { code: 'invalid-certificate'; reason: string }
  /** The LEAG set cannot form a committee (consensus rules): the chain halts until a reinstate. */
  | { code: 'no-committee'; reason: string }
  | { code: 'wrong-proposer'; reason: string }
  | { code: 'invalid-tx'; index: number; txCode: string; reason: string };

export class BlockError extends CodedError<BlockErrorType> {
  static fromTx(index: number, err: TxError): BlockError {
    return new BlockError({ code: 'invalid-tx', index, txCode: err.type.code, reason: err.type.reason });
  }
}
