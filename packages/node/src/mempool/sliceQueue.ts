/**
 * Runs queued jobs in slices of at most `sliceMs`, yielding to the event loop
 * between slices. Transaction checks (a signature each) go through it, so
 * that consensus messages, which arrive as I/O events, are handled between
 * slices instead of waiting behind thousands of signature checks: under
 * overload the chain keeps committing instead of livelocking on input.
 */
export class SliceQueue {
  private readonly jobs: (() => void)[] = [];
  private scheduled = false;
  private readonly sliceMs: number;

  constructor(sliceMs: number) {
    this.sliceMs = sliceMs;
  }

  get length(): number {
    return this.jobs.length;
  }

  run<T>(job: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push(() => {
        try {
          resolve(job());
        } catch (err) {
          reject(err);
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    const end = performance.now() + this.sliceMs;
    let i = 0;
    while (i < this.jobs.length && performance.now() < end) this.jobs[i++]!();
    this.jobs.splice(0, i);
    if (this.jobs.length > 0) setImmediate(() => this.drain());
    else this.scheduled = false;
  }
}
