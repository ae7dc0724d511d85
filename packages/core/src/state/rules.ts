import type { Block, BlockHeader } from '../block/types.ts';
import type { Genesis } from '../genesis/genesis.ts';
import type { Tx, TxKind } from '../tx/types.ts';
import type { StateView } from './stateView.ts';

export interface BlockContext {
  readonly genesis: Genesis;
  readonly block: Block;
  readonly header: BlockHeader;
  readonly view: StateView;
}

export interface TxContext extends BlockContext {
  readonly tx: Tx;
  readonly id: Uint8Array;
  /** Outpoints of this transaction's inputs, already spent by the ledger step. */
  readonly inputTotal: number;
  readonly outputTotal: number;
}

/** One transaction kind's rules. `apply` throws TxError to refuse the transaction. */
export interface TxRule {
  /** Keys that must sign, beyond the owners of spent inputs. */
  signers(tx: Tx, genesis: Genesis): readonly Uint8Array[];
  /** Whether witnesses beyond the required ones are allowed (reinstate approvals); the rule checks them. */
  readonly extraWitnesses?: boolean;
  /** Whether this kind may mint outputs without inputs (deposits, and genesis-like kinds). */
  readonly mints?: boolean;
  /** Whether inputs may exceed outputs; the difference is escrow the rule takes over (buy orders). */
  readonly escrows?: boolean;
  apply(ctx: TxContext): void;
}

/** End-of-block and start-of-block rules: market windows close, LEAG reputation moves. */
export type BlockHook = (ctx: BlockContext) => void;

export interface Rules {
  readonly tx: { readonly [K in TxKind]?: TxRule };
  readonly beginBlock: readonly BlockHook[];
  readonly endBlock: readonly BlockHook[];
}

/** Combines rule sets; later sets win on a kind, hooks run in the order given. */
export function combineRules(...sets: Partial<Rules>[]): Rules {
  return {
    tx: Object.assign({}, ...sets.map((s) => s.tx ?? {})),
    beginBlock: sets.flatMap((s) => s.beginBlock ?? []),
    endBlock: sets.flatMap((s) => s.endBlock ?? []),
  };
}
