import type { Stream } from '@libp2p/interface';
import * as lp from 'it-length-prefixed';

/** One length-prefixed frame. Sizes are bounded by the callers' own budgets; the library's 4 MiB default would refuse a maximal block. */
export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  return lp.encode.single(payload, { maxDataLength: Number.MAX_SAFE_INTEGER }).subarray();
}

/** Reads the first length-prefixed frame of a stream; throws when it is over `maxDataLength` or the stream ends first. */
export async function readFrame(stream: Stream, maxDataLength: number): Promise<Uint8Array> {
  for await (const frame of lp.decode(chunks(stream.source), { maxDataLength })) return frame.subarray();
  throw new Error('stream ended before a frame');
}

/** libp2p streams yield uint8arraylist 2.x lists, it-length-prefixed 11 takes 3.x ones; plain bytes suit both. */
export async function* chunks(source: AsyncIterable<{ subarray(): Uint8Array }>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield chunk.subarray();
}
