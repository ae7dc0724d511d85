import { toHex, txCodec, txId } from '@v2g/core';
import { type BlockJson, type CertificateJson, get, type Head } from './api.ts';

/** A vote as a block shows it: in a commit certificate, or inside an evidence transaction. */
export interface SeenVote {
  readonly voter: string;
  readonly type: 'prepare' | 'commit';
  readonly height: number;
  readonly round: number;
  readonly blockHash: string | null;
  readonly signature: string;
  /** Where it was seen: `leag-i@height`. */
  readonly where: string;
}

/** One LEAG's whole chain at the end of a run. */
export interface ScannedChain {
  readonly leag: number;
  readonly head: number;
  /** hashes[h] is the hash of block h (index 0 unused). */
  readonly hashes: string[];
  readonly txHeights: Map<string, number>;
  readonly votes: SeenVote[];
  /** Voters named by evidence transactions on this chain. */
  readonly evidenceAgainst: Set<string>;
  /** Heights whose block could not be read. */
  readonly missing: number[];
  /**
   * Heights whose block is not the one its certificate signs (a certificate
   * for another height or hash, or the next block's last commit naming
   * another hash): what a LEAG holds after accepting a forged block.
   */
  readonly uncertified: number[];
}

const CONCURRENCY = 8;

/** Reads every block of LEAG `leag` up to its head through `GET /v1/blocks/:h`. */
export async function scanChain(leag: number, base: string): Promise<ScannedChain | null> {
  // A LEAG on a loaded machine may miss one 3 s deadline: three tries before it counts as silent.
  let head: Head | undefined;
  for (let attempt = 0; attempt < 3 && !head; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 1000));
    head = await get<Head>(base, '/v1/head');
  }
  if (!head) return null;
  const chain: ScannedChain = {
    leag,
    head: head.height,
    hashes: new Array(head.height + 1).fill(''),
    txHeights: new Map(),
    votes: [],
    evidenceAgainst: new Set(),
    missing: [],
    uncertified: [],
  };
  /** lastCommit of block h + 1, by height h: it certifies block h too. */
  const lastCommits = new Map<number, CertificateJson>();
  let next = 1;
  const worker = async () => {
    while (next <= head.height) {
      const h = next++;
      const b =
        (await get<BlockJson>(base, `/v1/blocks/${h}`)) ?? (await get<BlockJson>(base, `/v1/blocks/${h}`));
      try {
        if (!b) throw new Error('no answer');
        record(chain, h, b);
        if (b.block.lastCommit) lastCommits.set(h - 1, b.block.lastCommit);
      } catch {
        // Not answered, or a block whose JSON form this harness cannot read: reported as missing.
        chain.missing.push(h);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (const [h, cert] of lastCommits) {
    if (h >= 1 && chain.hashes[h] && !certifies(cert, h, chain.hashes[h]!)) chain.uncertified.push(h);
  }
  const unique = [...new Set(chain.uncertified)].sort((a, b) => a - b);
  chain.uncertified.splice(0, chain.uncertified.length, ...unique);
  return chain;
}

function record(chain: ScannedChain, h: number, b: BlockJson): void {
  const where = `leag-${chain.leag}@${h}`;
  chain.hashes[h] = b.hash;
  for (const json of b.block.txs) {
    const tx = txCodec.fromJson(json, 'tx');
    chain.txHeights.set(toHex(txId(tx)), h);
    if (tx.body.kind === 'evidence') {
      for (const v of [tx.body.first, tx.body.second]) {
        chain.evidenceAgainst.add(toHex(v.voter));
        chain.votes.push({
          voter: toHex(v.voter),
          type: v.type,
          height: v.height,
          round: v.round,
          blockHash: v.blockHash === null ? null : toHex(v.blockHash),
          signature: toHex(v.signature),
          where,
        });
      }
    }
  }
  for (const cert of [b.certificate, b.block.lastCommit])
    if (cert) chain.votes.push(...certVotes(cert, where));
  if (b.certificate && !certifies(b.certificate, h, b.hash)) chain.uncertified.push(h);
}

function certifies(cert: CertificateJson, height: number, hash: string): boolean {
  return cert.height === height && cert.blockHash === hash;
}

function certVotes(cert: CertificateJson, where: string): SeenVote[] {
  return cert.signatures.map((s) => ({
    voter: s.voter,
    type: 'commit',
    height: cert.height,
    round: cert.round,
    blockHash: cert.blockHash,
    signature: s.signature,
    where,
  }));
}
