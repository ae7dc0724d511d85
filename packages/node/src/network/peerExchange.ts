import { decode, encode, list, text } from '@v2g/core';

/**
 * The `/v2g/<chainId>/peers/1` answer: the dialable multiaddrs, each ending in
 * `/p2p/<peer id>`, of the LEAGs the answering node is connected to. One
 * length-prefixed canonical CBOR list per stream; the asker sends nothing.
 */
export const MAX_PEER_ADDRS = 256;
const MAX_ADDR_LENGTH = 512;
export const MAX_PEERS_RESPONSE_BYTES = MAX_PEER_ADDRS * (MAX_ADDR_LENGTH + 3) + 16;

const peerAddrsCodec = list(text(MAX_ADDR_LENGTH), MAX_PEER_ADDRS);

export function encodePeerAddrs(addrs: readonly string[]): Uint8Array {
  return encode(peerAddrsCodec, addrs.slice(0, MAX_PEER_ADDRS));
}

/** Throws a DecodeError on anything but a canonical list of at most MAX_PEER_ADDRS short strings. */
export function decodePeerAddrs(bytes: Uint8Array): string[] {
  return decode(peerAddrsCodec, bytes, MAX_PEERS_RESPONSE_BYTES);
}
