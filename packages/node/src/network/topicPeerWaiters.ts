import { NetworkError } from './errors.ts';
import type { TopicKind } from './topics.ts';

interface Waiter {
  check(): void;
  cancel(): void;
}

/** Pending `waitForTopicPeers` calls: re-checked on every topology change, cancelled on stop. */
export class TopicPeerWaiters {
  private readonly waiters = new Set<Waiter>();
  private readonly count: (kind: TopicKind) => number;

  constructor(count: (kind: TopicKind) => number) {
    this.count = count;
  }

  /** Resolves once `count(kind) >= min`; rejects with `topic-peers-timeout`, or `stopped` on cancelAll. */
  wait(kind: TopicKind, min: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          if (this.count(kind) >= min) done();
        },
        cancel: () => done(new NetworkError({ code: 'stopped' })),
      };
      const done = (err?: NetworkError): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        const have = this.count(kind);
        if (have >= min) done();
        else done(new NetworkError({ code: 'topic-peers-timeout', topic: kind, have, want: min, timeoutMs }));
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter.check();
    });
  }

  checkAll(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }

  cancelAll(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
  }
}
