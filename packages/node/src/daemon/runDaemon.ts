import { loadConfig } from '../config/config.ts';
import { createNode } from '../node/createNode.ts';

/** Runs a LEAG until SIGINT/SIGTERM, then stops its parts in reverse order. */
export async function runDaemon(configPath: string): Promise<void> {
  const node = await createNode(await loadConfig(configPath));
  // Node's own warnings (a NaN timer, a listener leak) go to the log with the stack that raised them.
  const onWarning = (warning: Error) =>
    node.logger.warn({ warning: warning.name, stack: warning.stack }, warning.message);
  process.on('warning', onWarning);
  await node.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await node.stop();
  process.off('warning', onWarning);
}
