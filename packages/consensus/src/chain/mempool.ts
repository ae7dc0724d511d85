import {
  type AdmissionCode,
  checkTxStateless,
  DecodeError,
  decodeTxShared,
  Keys,
  readTip,
  type StateReader,
  type Tx,
  TxError,
  type TxVerifiedCache,
  toHex,
  txHash,
  txId,
} from '@v2g/core';

/** The state-dependent admission check (a dry run against the committed state); null when it passes. */
export type StateCheck = (tx: Tx, state: StateReader) => { code: AdmissionCode; reason: string } | null;

export interface MempoolOptions {
  readonly chainId: string;
  readonly checkState?: StateCheck;
  readonly maxTxs: number;
  readonly maxBytes: number;
  /** How many verified transaction hashes to remember for block validation. */
  readonly verifiedCacheSize: number;
}

export interface PendingTx {
  readonly tx: Tx;
  readonly id: Uint8Array;
  readonly idHex: string;
  readonly hashHex: string;
  readonly size: number;
  readonly receivedAt: number;
}

const FULL = {
  ok: false,
  code: 'mempool-full',
  reason: 'the mempool is full; retry after the next block',
} as const;

/** Why an admitted transaction left the pool without being committed. */
export interface DroppedTx {
  readonly code: AdmissionCode;
  readonly reason: string;
}

/** How many dropped transaction ids a LEAG remembers. */
const DROPPED_MEMORY = 100_000;

export type AddResult = { ok: true; pending: PendingTx } | { ok: false; code: AdmissionCode; reason: string };

/**
 * Pending transactions. Each is decoded and verified once (signatures
 * included); its hash then goes into the verified cache that block
 * validation consults, so a transaction is verified once per LEAG. The pool
 * is bounded by count and bytes, refuses duplicates and inputs another
 * pending transaction already spends, and answers "mempool-full" when full.
 */
export class Mempool implements TxVerifiedCache {
  private readonly pending = new Map<string, PendingTx>();
  private readonly claimed = new Map<string, string>();
  private readonly verified = new Set<string>();
  private readonly evidence = new Map<string, number>();
  /** Transactions this LEAG admitted and later dropped, with why: a client asking after one learns to resubmit. */
  private readonly droppedTxs = new Map<string, DroppedTx>();
  private readonly dropListeners: ((idHex: string, code: AdmissionCode, reason: string) => void)[] = [];
  private readonly options: MempoolOptions;
  private bytes = 0;

  constructor(options: MempoolOptions) {
    this.options = options;
  }

  get size(): number {
    return this.pending.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  has(txHashHex: string): boolean {
    return this.verified.has(txHashHex);
  }

  hasId(idHex: string): boolean {
    return this.pending.has(idHex);
  }

  /** Decodes, verifies and admits raw transaction bytes. */
  addBytes(bytes: Uint8Array, state: StateReader, now: number): AddResult {
    // Refusing a full pool must cost nothing, or overload turns into a receive livelock.
    if (this.isFull(bytes.length)) return FULL;
    let tx: Tx;
    try {
      tx = decodeTxShared(bytes);
    } catch (err) {
      if (err instanceof DecodeError) return { ok: false, code: 'malformed', reason: err.message };
      throw err;
    }
    return this.add(tx, bytes.length, state, now);
  }

  add(tx: Tx, size: number, state: StateReader, now: number): AddResult {
    const id = txId(tx);
    const idHex = toHex(id);
    if (this.pending.has(idHex))
      return { ok: false, code: 'duplicate', reason: 'transaction is already pending' };
    if (this.isFull(size)) return FULL;
    const hashHex = toHex(txHash(tx));
    try {
      if (!this.verified.has(hashHex)) checkTxStateless(tx, id, this.options.chainId);
    } catch (err) {
      if (err instanceof TxError) return { ok: false, code: err.type.code, reason: err.type.reason };
      throw err;
    }
    this.remember(hashHex);
    for (const input of tx.inputs) {
      const key = Keys.utxo(input.txId, input.index);
      if (this.claimed.has(key)) {
        return {
          ok: false,
          code: 'double-spend',
          reason: `input ${key.slice(5)} is spent by a pending transaction`,
        };
      }
      if (state.get(key) === undefined) {
        const spent = state.get(Keys.spent(input.txId, input.index)) !== undefined;
        return spent
          ? { ok: false, code: 'double-spend', reason: `input ${key.slice(5)} is already spent` }
          : { ok: false, code: 'missing-input', reason: `input ${key.slice(5)} does not exist` };
      }
    }
    const refused = this.options.checkState?.(tx, state) ?? null;
    if (refused) return { ok: false, ...refused };
    for (const input of tx.inputs) this.claimed.set(Keys.utxo(input.txId, input.index), idHex);
    const pending: PendingTx = { tx, id, idHex, hashHex, size, receivedAt: now };
    this.pending.set(idHex, pending);
    if (tx.body.kind === 'evidence') this.evidence.set(idHex, readTip(state).height);
    this.bytes += size;
    return { ok: true, pending };
  }

  isFull(size: number): boolean {
    return this.pending.size >= this.options.maxTxs || this.bytes + size > this.options.maxBytes;
  }

  /** Up to `max` transactions in arrival order, for a proposal. */
  take(max: number): PendingTx[] {
    const out: PendingTx[] = [];
    for (const p of this.pending.values()) {
      if (out.length >= max) break;
      out.push(p);
    }
    return out;
  }

  /** Pending evidence transactions with the chain height at which this LEAG first held them. */
  heldEvidence(): { pending: PendingTx; since: number }[] {
    return [...this.evidence].flatMap(([id, since]) => {
      const pending = this.pending.get(id);
      return pending ? [{ pending, since }] : [];
    });
  }

  remove(idHex: string): void {
    const p = this.pending.get(idHex);
    if (!p) return;
    this.pending.delete(idHex);
    this.evidence.delete(idHex);
    this.bytes -= p.size;
    for (const input of p.tx.inputs) {
      const key = Keys.utxo(input.txId, input.index);
      if (this.claimed.get(key) === idHex) this.claimed.delete(key);
    }
  }

  /** Called with each transaction id the pool drops and why (the node's journal records it). */
  onDrop(listener: (idHex: string, code: AdmissionCode, reason: string) => void): void {
    this.dropListeners.push(listener);
  }

  /** Removes a pending transaction that can no longer be committed, and remembers why. */
  drop(idHex: string, code: AdmissionCode, reason: string): void {
    if (!this.pending.has(idHex)) return;
    this.remove(idHex);
    this.rememberDropped(idHex, code, reason);
  }

  /** Records that `idHex` (admitted before, e.g. before a restart) can no longer be committed. */
  rememberDropped(idHex: string, code: AdmissionCode, reason: string): void {
    for (const listener of this.dropListeners) listener(idHex, code, reason);
    if (this.droppedTxs.size >= DROPPED_MEMORY) {
      const oldest = this.droppedTxs.keys().next().value;
      if (oldest !== undefined) this.droppedTxs.delete(oldest);
    }
    this.droppedTxs.set(idHex, { code, reason });
  }

  /** Why `idHex` was dropped, if this LEAG admitted it and then dropped it. */
  dropped(idHex: string): DroppedTx | undefined {
    return this.droppedTxs.get(idHex);
  }

  /** After a commit: drop included transactions and any whose inputs are gone. */
  onCommit(included: readonly Tx[], includedIds: readonly Uint8Array[]): void {
    for (const id of includedIds) this.remove(toHex(id));
    // A pending transaction spending an input the block spent can never apply: O(block), not O(pool).
    for (const tx of included) {
      for (const input of tx.inputs) {
        const other = this.claimed.get(Keys.utxo(input.txId, input.index));
        if (other !== undefined)
          this.drop(
            other,
            'double-spend',
            'a committed transaction spent one of its inputs; resubmit with new inputs',
          );
      }
    }
  }

  private remember(hashHex: string): void {
    if (this.verified.size >= this.options.verifiedCacheSize) {
      // Drop the oldest entries; a Set iterates in insertion order.
      let drop = Math.ceil(this.options.verifiedCacheSize / 4);
      for (const h of this.verified) {
        if (drop-- <= 0) break;
        this.verified.delete(h);
      }
    }
    this.verified.add(hashHex);
  }
}
