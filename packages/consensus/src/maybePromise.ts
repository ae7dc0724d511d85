/**
 * A port may answer at once (the simulator's memory store) or later (LevelDB):
 * the driver continues synchronously when it can, so a simulated run stays a
 * plain loop over virtual time with no microtask in between.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(v: MaybePromise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/** `f(v)` now if `v` is a value, after it resolves if it is a promise. */
export function andThen<T, U>(v: MaybePromise<T>, f: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromise(v) ? v.then(f) : f(v);
}
