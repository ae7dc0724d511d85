import { loadConfig } from '../config/config.ts';
import { Daemon } from './daemon.ts';

/** Runs a daemon until SIGINT/SIGTERM, then stops its parts in reverse order. */
export async function runDaemon(configPath: string): Promise<void> {
  const daemon = await Daemon.create(await loadConfig(configPath));
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await daemon.stop();
}
