/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bytesEqual, type Genesis, genesisFromJson, genesisHash, toHex } from '@v2g/core';
import type { Command } from 'commander';
import { loadConfig, nodeConfigCodec } from '../config/config.ts';
import { parseJsonc } from '../config/jsonc.ts';
import { readKeyFile } from '../config/keyFile.ts';
import { peerIdFromLeagKey } from '../network/peerIdentity.ts';

/** A genesis file read and checked as the LEAG will at start (decoded, then validated). */
async function readGenesis(path: string): Promise<Genesis> {
  try {
    return genesisFromJson(parseJsonc(await readFile(path, 'utf8')));
  } catch (err) {
    throw new Error(`genesis ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function genesisSummary(g: Genesis) {
  return {
    chainId: g.chainId,
    genesisHash: toHex(genesisHash(g)),
    leags: g.leags.map((l) => l.name),
    windowBlocks: g.params.market.windowBlocks,
    blockIntervalMs: g.params.consensus.blockIntervalMs,
  };
}

/**
 * `v2g config check FILE`: a LEAG config (JSON or JSONC) with its defaults
 * filled in, and the genesis and key files it names; or a genesis on its own.
 * Prints what the LEAG would run with, or says what is wrong and exits 1.
 */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('LEAG configs and genesis files');
  config
    .command('check <file>')
    .description(
      'check a LEAG config (and the genesis and key it names) or a genesis; print it with defaults filled in',
    )
    .action(async (file: string) => {
      const path = resolve(file);
      const raw = parseJsonc(await readFile(path, 'utf8')) as Record<string, unknown>;
      if (typeof raw === 'object' && raw !== null && 'chainId' in raw) {
        console.log(
          JSON.stringify({ ok: true, genesis: path, ...genesisSummary(await readGenesis(path)) }, null, 2),
        );
        return;
      }
      const cfg = await loadConfig(path);
      const genesis = await readGenesis(cfg.genesisFile);
      const key = await readKeyFile(cfg.keyFile).catch((err: unknown) => {
        throw new Error(`keyFile ${cfg.keyFile}: ${err instanceof Error ? err.message : String(err)}`);
      });
      const inGenesis = genesis.leags.find((l) => bytesEqual(l.publicKey, key.publicKey));
      const notes = inGenesis
        ? []
        : [
            `this LEAG's key ${toHex(key.publicKey).slice(0, 16)}… is not in the genesis LEAG list: it must be registered (register-leag) before it can join the committee`,
          ];
      console.log(
        JSON.stringify(
          {
            ok: true,
            config: path,
            genesis: genesisSummary(genesis),
            leag: {
              name: inGenesis?.name ?? null,
              publicKey: toHex(key.publicKey),
              peerId: peerIdFromLeagKey(key.publicKey).toString(),
            },
            notes,
            effective: nodeConfigCodec.toJson(cfg),
          },
          null,
          2,
        ),
      );
    });
}
