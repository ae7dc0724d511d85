import { type Cbor, encodeCbor } from './encoding/cbor.ts';

/**
 * Domain tags for signed payloads. Every signature covers
 * `[tag, chainId, ...content]`, so a signature made for one chain or one
 * message type is never valid for another (DESIGN §3).
 */
export const Domain = {
  tx: 'v2g/tx/v1',
  vote: 'v2g/vote/v1',
  proposal: 'v2g/proposal/v1',
  reinstate: 'v2g/reinstate/v1',
} as const;
export type Domain = (typeof Domain)[keyof typeof Domain];

export function signingPayload(domain: Domain, chainId: string, content: readonly Cbor[]): Uint8Array {
  return encodeCbor([domain, chainId, ...content]);
}
