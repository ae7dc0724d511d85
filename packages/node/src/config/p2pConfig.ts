import { type Cbor, type Codec, DecodeError, type Json } from '@v2g/core';
import { NetworkError } from '../network/errors.ts';
import { DEFAULT_P2P_OPTIONS, type P2pOptions, resolveP2pOptions } from '../network/p2pOptions.ts';

/**
 * The `p2p` section of a LEAG config: any subset of P2pOptions, each field
 * left out taking its default (DEFAULT_P2P_OPTIONS). Unknown fields are
 * refused, types are checked per field, and the whole is checked as the
 * network will use it (mesh degrees in order, thresholds in range), so a bad
 * value fails at load time rather than at start.
 */
export type P2pSettings = Partial<P2pOptions>;

type Field = keyof P2pOptions;

/** What each field holds: a positive integer, a non-positive number (a score weight or threshold), or a flag. */
const FIELD_KINDS: Readonly<Record<Field, 'count' | 'weight' | 'flag'>> = {
  maxConnections: 'count',
  maxParallelDials: 'count',
  maxIncomingPendingConnections: 'count',
  inboundConnectionsPerSecond: 'count',
  dialTimeoutMs: 'count',
  targetPeers: 'count',
  discoveryIntervalMs: 'count',
  meshD: 'count',
  meshDlo: 'count',
  meshDhi: 'count',
  meshDlazy: 'count',
  heartbeatIntervalMs: 'count',
  floodPublish: 'flag',
  ipColocationFactorWeight: 'weight',
  invalidMessageWeight: 'weight',
  graylistThreshold: 'weight',
  directCommittee: 'flag',
};
const FIELDS = Object.keys(DEFAULT_P2P_OPTIONS) as Field[];

function invalid(path: string, reason: string): DecodeError {
  return new DecodeError({ code: 'invalid-field', path, reason });
}

function parseValue(field: Field, value: unknown, path: string): number | boolean {
  switch (FIELD_KINDS[field]) {
    case 'count':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
        throw invalid(path, 'expected a positive integer');
      return value;
    case 'weight':
      if (typeof value !== 'number' || !Number.isFinite(value) || value > 0)
        throw invalid(path, 'expected a number, 0 or negative');
      return value;
    case 'flag':
      if (typeof value !== 'boolean') throw invalid(path, 'expected true or false');
      return value;
  }
}

/** Parses the `p2p` object of a config file; throws a DecodeError naming the offending field. */
export function parseP2pSettings(input: unknown, path: string): P2pSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalid(path, 'expected object');
  const out: Record<string, number | boolean> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(FIELDS as string[]).includes(key)) throw invalid(`${path}.${key}`, 'unknown field');
    out[key] = parseValue(key as Field, value, `${path}.${key}`);
  }
  const settings = out as P2pSettings;
  try {
    resolveP2pOptions(settings);
  } catch (err) {
    if (err instanceof NetworkError && err.type.code === 'bad-p2p-options')
      throw invalid(`${path}.${err.type.field}`, err.type.reason);
    throw err;
  }
  return settings;
}

/**
 * A codec for the `p2p` field, for a config struct: JSON is the object above; CBOR (unused by the config
 * file, present for the Codec contract) is a list of `[name, value]` pairs in field order.
 */
export const p2pSettingsCodec: Codec<P2pSettings> = {
  toJson: (v) => Object.fromEntries(FIELDS.filter((f) => v[f] !== undefined).map((f) => [f, v[f] as Json])),
  fromJson: parseP2pSettings,
  toCbor: (v) => FIELDS.filter((f) => v[f] !== undefined).map((f): Cbor => [f, v[f] as Cbor]),
  fromCbor: (c, path) => {
    if (!Array.isArray(c)) throw invalid(path, 'expected list');
    const pairs = c.map((pair: unknown, i) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string')
        throw invalid(`${path}[${i}]`, 'expected [name, value]');
      return [pair[0], pair[1]] as const;
    });
    return parseP2pSettings(Object.fromEntries(pairs), path);
  },
};
