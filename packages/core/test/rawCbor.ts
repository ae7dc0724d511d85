import type { Cbor } from '@v2g/core';

/**
 * A CBOR writer that can produce the encodings a canonical encoder never
 * would (non-minimal heads, floats for integers, indefinite lengths), so tests
 * can feed them to the decoders. Independent of cborg on purpose.
 */
export type Raw =
  | { readonly t: 'uint'; readonly v: number; readonly width?: Width }
  | { readonly t: 'bytes'; readonly v: Uint8Array; readonly width?: Width }
  | { readonly t: 'text'; readonly v: string }
  | {
      readonly t: 'array';
      readonly items: readonly Raw[];
      readonly indefinite?: boolean;
      readonly width?: Width;
    }
  | { readonly t: 'simple'; readonly v: null | boolean }
  | { readonly t: 'float64'; readonly v: number }
  | { readonly t: 'map'; readonly entries: readonly (readonly [Raw, Raw])[] }
  /** Bytes written as they are: for items the other forms cannot express. */
  | { readonly t: 'verbatim'; readonly v: Uint8Array };

/** Bytes after the initial byte: 0 means the value sits in the initial byte. */
export type Width = 0 | 1 | 2 | 4 | 8;

export function toRaw(value: Cbor): Raw {
  if (value === null || typeof value === 'boolean') return { t: 'simple', v: value };
  if (typeof value === 'number') return { t: 'uint', v: value };
  if (typeof value === 'string') return { t: 'text', v: value };
  if (value instanceof Uint8Array) return { t: 'bytes', v: value };
  return { t: 'array', items: (value as readonly Cbor[]).map(toRaw) };
}

function minimalWidth(n: number): Width {
  if (n < 24) return 0;
  if (n < 0x100) return 1;
  if (n < 0x10000) return 2;
  if (n < 0x1_0000_0000) return 4;
  return 8;
}

function head(major: number, n: number, width: Width = minimalWidth(n)): number[] {
  const ai = width === 0 ? n : { 1: 24, 2: 25, 4: 26, 8: 27 }[width];
  const out = [(major << 5) | ai];
  const big = BigInt(n);
  for (let i = width - 1; i >= 0; i--) out.push(Number((big >> BigInt(8 * i)) & 0xffn));
  return out;
}

export function writeRaw(r: Raw): Uint8Array {
  const out: number[] = [];
  const go = (x: Raw): void => {
    switch (x.t) {
      case 'uint':
        out.push(...head(0, x.v, x.width));
        return;
      case 'bytes':
        out.push(...head(2, x.v.length, x.width), ...x.v);
        return;
      case 'text': {
        const b = Buffer.from(x.v, 'utf8');
        out.push(...head(3, b.length), ...b);
        return;
      }
      case 'array':
        if (x.indefinite) out.push(0x9f);
        else out.push(...head(4, x.items.length, x.width));
        for (const item of x.items) go(item);
        if (x.indefinite) out.push(0xff);
        return;
      case 'simple':
        out.push(x.v === null ? 0xf6 : x.v ? 0xf5 : 0xf4);
        return;
      case 'map':
        out.push(...head(5, x.entries.length));
        for (const [k, v] of x.entries) {
          go(k);
          go(v);
        }
        return;
      case 'verbatim':
        out.push(...x.v);
        return;
      case 'float64': {
        const b = Buffer.alloc(8);
        b.writeDoubleBE(x.v);
        out.push(0xfb, ...b);
        return;
      }
    }
  };
  go(r);
  return new Uint8Array(out);
}

/** Every node of a tree with a function that rebuilds the tree with that node replaced. */
export function nodes(root: Raw): { node: Raw; replace: (r: Raw) => Raw }[] {
  const found: { node: Raw; replace: (r: Raw) => Raw }[] = [];
  const walk = (x: Raw, rebuild: (r: Raw) => Raw): void => {
    found.push({ node: x, replace: rebuild });
    if (x.t !== 'array') return;
    x.items.forEach((item, i) => {
      walk(item, (r) => rebuild({ ...x, items: x.items.map((old, j) => (j === i ? r : old)) }));
    });
  };
  walk(root, (r) => r);
  return found;
}
