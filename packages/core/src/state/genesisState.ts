import { sha256, utf8 } from '../crypto/hash.ts';
import { type Genesis, genesisHash } from '../genesis/genesis.ts';
import { Keys } from './keys.ts';
import { leagCodec, tipCodec, utxoCodec } from './records.ts';
import { EMPTY_DIGEST } from './stateDigest.ts';
import { StateView } from './stateView.ts';
import type { StateChanges } from './store.ts';

const EMPTY = { get: () => undefined, scan: () => [], digest: EMPTY_DIGEST };

/** The pseudo transaction id whose outputs are the genesis allocations. */
export function genesisAllocationTxId(g: Genesis): Uint8Array {
  return sha256(utf8('v2g/genesis-allocations/v1'), genesisHash(g));
}

/** The state at height 0: the LEAG set, the allocations as UTXOs, and the tip. */
export function genesisState(g: Genesis): { changes: StateChanges; digest: Uint8Array } {
  const view = new StateView(EMPTY);
  for (const l of g.leags) {
    view.write(leagCodec, Keys.leag(l.publicKey), {
      publicKey: l.publicKey,
      name: l.name,
      reputationPpm: l.reputationPpm,
      registeredAt: 0,
    });
  }
  const id = genesisAllocationTxId(g);
  g.allocations.forEach((a, i) => {
    view.write(utxoCodec, Keys.utxo(id, i), { address: a.address, amount: a.amount });
  });
  view.write(tipCodec, Keys.tip, { height: 0, timestamp: g.genesisTime });
  return { changes: view.changes(), digest: view.digest };
}
