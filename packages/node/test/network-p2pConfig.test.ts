import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '@v2g/core';
import { p2pSettingsCodec, parseP2pSettings } from '../src/config/p2pConfig.ts';

const refusedAt = (input: unknown, path: string) =>
  assert.throws(
    () => parseP2pSettings(input, 'config.p2p'),
    (err: unknown) =>
      err instanceof DecodeError && err.type.code === 'invalid-field' && err.type.path === path,
  );

describe('p2p config section', () => {
  it('accepts an empty section (all defaults) and any subset of fields', () => {
    assert.deepEqual(parseP2pSettings({}, 'config.p2p'), {});
    const settings = {
      maxConnections: 96,
      meshD: 6,
      meshDlo: 4,
      floodPublish: false,
      ipColocationFactorWeight: 0,
    };
    assert.deepEqual(parseP2pSettings(settings, 'config.p2p'), settings);
  });

  it('refuses unknown fields, wrong types and inconsistent values, naming the field', () => {
    refusedAt({ maxConections: 10 }, 'config.p2p.maxConections');
    refusedAt({ maxConnections: 0 }, 'config.p2p.maxConnections');
    refusedAt({ targetPeers: 1.5 }, 'config.p2p.targetPeers');
    refusedAt({ floodPublish: 'yes' }, 'config.p2p.floodPublish');
    refusedAt({ ipColocationFactorWeight: 5 }, 'config.p2p.ipColocationFactorWeight');
    refusedAt({ meshD: 20 }, 'config.p2p.meshD'); // above the default meshDhi of 12
    refusedAt({ graylistThreshold: -20 }, 'config.p2p.graylistThreshold');
    refusedAt([], 'config.p2p');
  });

  it('round-trips through JSON and CBOR', () => {
    const settings = { targetPeers: 16, invalidMessageWeight: -5, directCommittee: false };
    assert.deepEqual(p2pSettingsCodec.fromJson(p2pSettingsCodec.toJson(settings), 'p2p'), settings);
    assert.deepEqual(p2pSettingsCodec.fromCbor(p2pSettingsCodec.toCbor(settings), 'p2p'), settings);
  });
});
