import type { WheelingPair } from '../state/records.ts';

/** Transactions (DESIGN §4). Amounts in micro-units, energy in Wh, prices in micro-units per Wh. */

export interface Outpoint {
  readonly txId: Uint8Array;
  readonly index: number;
}

export interface TxOutput {
  /** A 20-byte one-time wallet address. */
  readonly address: Uint8Array;
  readonly amount: number;
}

export interface Witness {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

export interface SignedVote {
  readonly type: VoteType;
  readonly height: number;
  readonly round: number;
  /** null is a vote for nil. */
  readonly blockHash: Uint8Array | null;
  readonly voter: Uint8Array;
  readonly signature: Uint8Array;
}

export type VoteType = 'prepare' | 'commit';

export type TxBody =
  | { readonly kind: 'transfer' }
  /** Signed by the RA (the certificate) and by the account key (proof of possession). */
  | { readonly kind: 'register-ev'; readonly account: Uint8Array; readonly leag: Uint8Array }
  /** Signed by the RA (the certificate binding the meter to the station `leag`) and by the meter key. */
  | { readonly kind: 'register-meter'; readonly meter: Uint8Array; readonly leag: Uint8Array }
  /** Signed by the RA. */
  | { readonly kind: 'register-leag'; readonly leag: Uint8Array }
  /** The LEAG's account server mints `outputs` against an off-chain payment; `reference` makes it unique. */
  | {
      readonly kind: 'deposit';
      readonly leag: Uint8Array;
      readonly window: number;
      readonly reference: number;
    }
  /**
   * Signed by the grid operator: retail price caps buyers, feed-in price
   * floors sellers, and wheeling fees price energy moved between stations
   * (decision 0015): `wheelingFee` for any pair, `wheeling` for listed pairs
   * (a < b by key, sorted, each pair once).
   */
  | {
      readonly kind: 'tariff';
      readonly window: number;
      readonly retailPrice: number;
      readonly feedInPrice: number;
      readonly wheelingFee: number;
      readonly wheeling: readonly WheelingPair[];
    }
  /**
   * Signed by the grid operator: moves tokens between its wallets and its
   * on-chain grid account, from which the grid pays for EV surplus and into
   * which EVs pay for grid energy (decision 0010). inputs − outputs is
   * credited; outputs − inputs is withdrawn. `reference` makes it unique.
   */
  | { readonly kind: 'grid-account'; readonly reference: number }
  | {
      readonly kind: 'sell-order';
      readonly account: Uint8Array;
      readonly leag: Uint8Array;
      readonly window: number;
      readonly energyWh: number;
      readonly expectedPrice: number;
      readonly minPrice: number;
      readonly payout: Uint8Array;
    }
  /** Escrow = sum(inputs) − sum(outputs); it must cover energyWh × maxPrice. */
  | {
      readonly kind: 'buy-order';
      readonly account: Uint8Array;
      readonly leag: Uint8Array;
      readonly window: number;
      readonly energyWh: number;
      readonly maxPrice: number;
      readonly refund: Uint8Array;
    }
  | {
      readonly kind: 'meter-reading';
      readonly meter: Uint8Array;
      readonly window: number;
      readonly order: Uint8Array;
      readonly energyWh: number;
    }
  | { readonly kind: 'evidence'; readonly first: SignedVote; readonly second: SignedVote }
  /** Approved by witnesses from a quorum of the committee at `height`. */
  | {
      readonly kind: 'reinstate';
      readonly target: Uint8Array;
      readonly role: 'ev' | 'leag';
      readonly height: number;
    };

export type TxKind = TxBody['kind'];
export type BodyOf<K extends TxKind> = Extract<TxBody, { kind: K }>;

export interface UnsignedTx {
  readonly version: 1;
  readonly chainId: string;
  readonly inputs: readonly Outpoint[];
  readonly outputs: readonly TxOutput[];
  /** The earliest height at which the transaction may be included. */
  readonly lockTime: number;
  readonly body: TxBody;
}

export interface Tx extends UnsignedTx {
  /** One per required signer, sorted by public key, no extras. */
  readonly witnesses: readonly Witness[];
}
