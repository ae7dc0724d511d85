import type { ConnectionGater, PeerId } from '@libp2p/interface';
import type { LeagDirectory } from './leagAllowList.ts';
import { leagKeyFromPeerId } from './peerIdentity.ts';

export type GaterStage = 'dial' | 'inbound' | 'outbound';

/**
 * DESIGN §8: "Connections from peer ids that are not registered LEAGs are
 * refused." The peer id is known only after the noise handshake, so the
 * check runs on the encrypted connection in both directions, and before
 * dialling a known peer id.
 */
export function createLeagGater(
  directory: LeagDirectory,
  onDeny: (stage: GaterStage, peer: PeerId) => void,
): ConnectionGater {
  const deny = (stage: GaterStage, peer: PeerId): boolean => {
    const key = leagKeyFromPeerId(peer);
    if (key !== null && directory.isLeag(key)) return false;
    onDeny(stage, peer);
    return true;
  };
  return {
    denyDialPeer: (peer) => deny('dial', peer),
    denyInboundEncryptedConnection: (peer) => deny('inbound', peer),
    denyOutboundEncryptedConnection: (peer) => deny('outbound', peer),
  };
}
