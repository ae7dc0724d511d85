import { randomInt } from 'node:crypto';
import { encodeGossipTxBatch, MAX_TXS_PER_BATCH, txBatchItemSize } from './txBatch.ts';

export interface TxBatcherOptions {
  /** A pending batch is sent at the latest this long after its first transaction. */
  readonly maxDelayMs: number;
  /** A batch is sent as soon as it reaches this many encoded bytes. */
  readonly maxBytes: number;
}

/** The list head (a CBOR array of up to 65535 items costs at most 3 bytes) plus the batch envelope and sequence. */
const LIST_OVERHEAD = 3 + 1 + 9;

/**
 * Accumulates transactions into one gossip message, so a burst of small
 * transactions costs one gossipsub message (one message id, one validation
 * round trip, one IHAVE entry) instead of hundreds.
 */
export class TxBatcher {
  private readonly options: TxBatcherOptions;
  private readonly send: (batch: Uint8Array, count: number) => void;
  private pending: Uint8Array[] = [];
  private pendingBytes = LIST_OVERHEAD;
  private timer: NodeJS.Timeout | null = null;
  /** Batch numbers start at a random point, so a restarted LEAG does not repeat its earlier batches' bytes. */
  private sequence = randomInt(2 ** 47);

  constructor(options: TxBatcherOptions, send: (batch: Uint8Array, count: number) => void) {
    this.options = options;
    this.send = send;
  }

  add(tx: Uint8Array): void {
    const size = txBatchItemSize(tx);
    if (this.pending.length > 0 && this.pendingBytes + size > this.options.maxBytes) this.flush();
    this.pending.push(tx);
    this.pendingBytes += size;
    if (this.pendingBytes >= this.options.maxBytes || this.pending.length >= MAX_TXS_PER_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const txs = this.pending;
    this.pending = [];
    this.pendingBytes = LIST_OVERHEAD;
    this.send(encodeGossipTxBatch(this.sequence++, txs), txs.length);
  }

  /** Drops whatever is pending; used on shutdown. */
  clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.pendingBytes = LIST_OVERHEAD;
  }
}
