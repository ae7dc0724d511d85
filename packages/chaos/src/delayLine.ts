import type { Socket } from 'node:net';

/** Bytes queued in one direction before the relay stops reading from the sender. */
const HIGH_WATER = 4 * 1024 * 1024;

/**
 * One direction of a relayed TCP connection: every chunk read from `from` is
 * written to `to` once `delayMs()` has passed since it was read. Order is
 * kept: a chunk is never due before the one ahead of it, even when the
 * delay shrinks mid-stream.
 */
export function delayedPipe(from: Socket, to: Socket, delayMs: () => number): void {
  const queue: { due: number; chunk: Buffer }[] = [];
  let queued = 0;
  let lastDue = 0;
  let scheduled = false;
  let ended = false;

  const flush = () => {
    scheduled = false;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (queued < HIGH_WATER && from.isPaused()) from.resume();
    if (queue.length > 0) schedule(queue[0]!.due - now);
    else if (ended && !to.destroyed) to.end();
  };

  const schedule = (ms: number) => {
    scheduled = true;
    setTimeout(flush, Math.max(0, ms));
  };

  from.on('data', (chunk: Buffer) => {
    const delay = delayMs();
    if (delay <= 0 && queue.length === 0) {
      to.write(chunk);
      return;
    }
    lastDue = Math.max(lastDue, performance.now() + delay);
    queue.push({ due: lastDue, chunk });
    queued += chunk.length;
    if (queued >= HIGH_WATER) from.pause();
    if (!scheduled) schedule(queue[0]!.due - performance.now());
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0 && !to.destroyed) to.end();
  });
}
