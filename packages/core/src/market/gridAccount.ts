import { type Codec, struct, uint } from '../encoding/codec.ts';
import { Keys } from '../state/keys.ts';
import type { TxRule } from '../state/rules.ts';
import type { StateView } from '../state/stateView.ts';
import { TxError } from '../tx/txError.ts';

/**
 * The grid operator's on-chain account (DESIGN §6: "the grid is the
 * counterparty of last resort ... as metered, settled trades on chain";
 * decision 0010). `balance` is free; `reserved` is committed at clearing to
 * buying EV surplus at the feed-in price and is paid out, or returned, at
 * settlement. Tokens in the account are part of the supply, like escrow.
 */
export interface GridAccount {
  readonly balance: number;
  readonly reserved: number;
}

export const gridAccountCodec: Codec<GridAccount> = struct<GridAccount>({ balance: uint, reserved: uint });

export function readGridAccountFrom(view: StateView): GridAccount {
  return view.read(gridAccountCodec, Keys.gridAccount) ?? { balance: 0, reserved: 0 };
}

export function writeGridAccount(view: StateView, account: GridAccount): void {
  view.write(gridAccountCodec, Keys.gridAccount, account);
}

/**
 * `grid-account`: the grid operator moves tokens between its wallets and its
 * account. inputs − outputs is credited; outputs − inputs is withdrawn from
 * the free balance (never from what clearing reserved).
 */
export const gridAccountRule: TxRule = {
  signers: (_tx, g) => [g.gridOperatorKey],
  mints: true,
  escrows: true,
  apply: (ctx) => {
    if (ctx.tx.inputs.length === 0 && ctx.tx.outputs.length === 0) {
      throw new TxError('no-value', 'a grid-account transaction moves tokens in or out');
    }
    const account = readGridAccountFrom(ctx.view);
    const net = ctx.inputTotal - ctx.outputTotal;
    if (-net > account.balance) {
      throw new TxError(
        'grid-short',
        `the grid account holds ${account.balance} free; ${-net} cannot be withdrawn`,
      );
    }
    writeGridAccount(ctx.view, { ...account, balance: account.balance + net });
  },
};
