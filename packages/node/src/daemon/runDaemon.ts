import { loadConfig } from '../config/config.ts';
import { createNode } from '../node/createNode.ts';

/** Runs a LEAG until SIGINT/SIGTERM, then stops its parts in reverse order. */
export async function runDaemon(configPath: string): Promise<void> {
  const node = await createNode(await loadConfig(configPath));
  await node.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await node.stop();
}
