import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { blockHash, DecodeError, sha256, signVote, utf8, verifyVote } from '@v2g/core';
import fc from 'fast-check';
import { certificateFrom, verifyCertificate } from '../src/certificate.ts';
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  encodeConsensusMessage,
  proposalSigningPayload,
} from '../src/messages.ts';
import { decodeSigningState, encodeSigningState } from '../src/signingStateCodec.ts';
import { committeeOf, freshChain, genesis, keys } from './fixtures.ts';

const hash = sha256(utf8('block'));
const vote = (type: 'prepare' | 'commit', i = 0, h: Uint8Array | null = hash) =>
  signVote(genesis.chainId, { type, height: 3, round: 1, blockHash: h }, keys[i]!);

describe('replay-protected payloads', () => {
  test('a vote signed for one chain does not verify on another', () => {
    const v = vote('prepare');
    assert.ok(verifyVote(genesis.chainId, v));
    assert.equal(verifyVote('v2g-other', v), false);
  });

  test('a prepare signature is not a commit signature, nor valid at another height or round', () => {
    const v = vote('prepare');
    assert.equal(verifyVote(genesis.chainId, { ...v, type: 'commit' }), false);
    assert.equal(verifyVote(genesis.chainId, { ...v, height: 4 }), false);
    assert.equal(verifyVote(genesis.chainId, { ...v, round: 2 }), false);
    assert.equal(verifyVote(genesis.chainId, { ...v, blockHash: null }), false);
  });

  test('proposal payloads differ from vote payloads and bind the valid round', () => {
    const p = { height: 3, round: 1, validRound: null, blockHash: hash };
    const a = proposalSigningPayload(genesis.chainId, p);
    const b = proposalSigningPayload(genesis.chainId, { ...p, validRound: 0 });
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(a, proposalSigningPayload('v2g-other', p));
  });
});

describe('verifyCertificate', () => {
  const chain = freshChain();
  const committee = committeeOf(chain);
  const commits = [0, 1, 2].map((i) => vote('commit', i));

  test('accepts commit votes of more than 2/3 of the weight', () => {
    const check = verifyCertificate(certificateFrom(commits), committee, genesis.chainId);
    assert.deepEqual(check, { ok: true, weight: 1_500_000 });
  });

  test('refuses two thirds exactly, a non-member, unsorted or repeated voters, and prepare votes', () => {
    const two = certificateFrom(commits.slice(0, 2));
    assert.equal(verifyCertificate(two, committee, genesis.chainId).ok, false);
    const outsider = signVote(
      genesis.chainId,
      { type: 'commit', height: 3, round: 1, blockHash: hash },
      {
        secretKey: sha256(utf8('x')),
        publicKey: keys[0]!.publicKey.map((b) => b ^ 1),
      },
    );
    const withOutsider = certificateFrom([...commits, outsider]);
    assert.equal(verifyCertificate(withOutsider, committee, genesis.chainId).ok, false);
    const cert = certificateFrom(commits);
    const reversed = { ...cert, signatures: [...cert.signatures].reverse() };
    assert.equal(verifyCertificate(reversed, committee, genesis.chainId).ok, false);
    const repeated = { ...cert, signatures: [cert.signatures[0]!, ...cert.signatures] };
    assert.equal(verifyCertificate(repeated, committee, genesis.chainId).ok, false);
    const prepares = certificateFrom([0, 1, 2].map((i) => vote('prepare', i)));
    assert.equal(verifyCertificate(prepares, committee, genesis.chainId).ok, false);
  });

  test('a certificate for one chain is invalid on another', () => {
    assert.equal(verifyCertificate(certificateFrom(commits), committee, 'v2g-other').ok, false);
  });
});

describe('consensus message codec', () => {
  const chain = freshChain();
  const block = chain.validator(keys[0]!.publicKey, () => genesis.genesisTime + 5).propose(1, 0, null);

  test('round-trips votes, proposals and decisions byte for byte', () => {
    const messages: ConsensusMessage[] = [
      { kind: 'vote', vote: vote('prepare', 1, null) },
      {
        kind: 'proposal',
        height: 1,
        round: 0,
        validRound: null,
        block,
        proposer: keys[0]!.publicKey,
        signature: new Uint8Array(64),
      },
      { kind: 'decision', block, certificate: certificateFrom(commits()) },
    ];
    for (const m of messages) {
      const bytes = encodeConsensusMessage(m);
      assert.deepEqual(encodeConsensusMessage(decodeConsensusMessage(bytes)), bytes);
    }
    function commits() {
      return [0, 1, 2].map((i) =>
        signVote(
          genesis.chainId,
          { type: 'commit', height: 1, round: 0, blockHash: blockHash(block.header) },
          keys[i]!,
        ),
      );
    }
  });

  test('refuses oversized and malformed input', () => {
    const bytes = encodeConsensusMessage({ kind: 'vote', vote: vote('commit') });
    assert.throws(() => decodeConsensusMessage(bytes, bytes.length - 1), DecodeError);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
        try {
          decodeConsensusMessage(junk);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
    );
  });

  test('the signing state round-trips through its codec', () => {
    const state = {
      height: 4,
      round: 2,
      step: 'commit' as const,
      lock: { round: 1, blockHash: hash },
      lockedBlock: block,
      polka: [vote('prepare', 1)],
      votes: [vote('prepare'), vote('commit')],
    };
    assert.deepEqual(decodeSigningState(encodeSigningState(state)), state);
  });
});
