/* biome-ignore-all lint/suspicious/noConsole: the CLI talks to a person */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { ChainStoreError } from '../storage/chainStoreError.ts';
import { watchLaunchers } from './launcherWatch.ts';
import { runningPid, stopProcess, writePidFile } from './pidFile.ts';
import { reportStartError } from './startErrors.ts';
import { STORE_EXIT_CODE } from './storeCommands.ts';

/** `v2g start` and `v2g stop`: one LEAG daemon, started and stopped cleanly however it was launched. */
export function registerDaemonCommands(program: Command): void {
  program
    .command('start')
    .description(
      'run a LEAG daemon until SIGINT, SIGTERM or `v2g stop` (also when its pnpm/npx launcher is stopped)',
    )
    .requiredOption('--config <file>', 'config file written by `v2g init`')
    .action(async (o: { config: string }) => {
      const { runDaemon } = await import('../daemon/runDaemon.ts');
      const config = resolve(o.config);
      const { dataDir } = await loadConfig(config);
      const other = await runningPid(dataDir);
      if (other !== null) {
        console.error(`error: a LEAG is already running on ${dataDir} (pid ${other}, config ${config}).`);
        console.error(`  Stop it first: v2g stop --config ${o.config}`);
        process.exitCode = STORE_EXIT_CODE;
        return;
      }
      // The launchers above a `pnpm v2g start` do not pass SIGTERM on (launcherWatch.ts): stop when one is gone.
      const unwatch = watchLaunchers((launcher) => {
        console.error(`v2g start: ${launcher} has exited; stopping the LEAG`);
        process.kill(process.pid, 'SIGTERM');
      });
      // Without the pid file only `v2g stop` is lost: the LEAG still starts.
      const removePidFile = await writePidFile(dataDir).catch((err: unknown) => {
        console.error(`v2g start: cannot record the pid beside ${dataDir}: ${String(err)}`);
        return async () => {};
      });
      try {
        await runDaemon(config);
      } catch (err) {
        // A held lock, a taken port or a damaged store each get their own sentence (startErrors.ts).
        if (err instanceof ChainStoreError || (err as { code?: unknown }).code === 'EADDRINUSE')
          return reportStartError(err, config);
        throw err;
      } finally {
        unwatch();
        await removePidFile();
      }
    });

  program
    .command('stop')
    .description(
      'stop the LEAG running with this config (SIGTERM to the pid `v2g start` recorded), and wait for it',
    )
    .requiredOption('--config <file>', 'the config the LEAG was started with')
    .option('--timeout <s>', 'seconds to wait for it to exit', (v) => Number(v), 30)
    .action(async (o: { config: string; timeout: number }) => {
      const { dataDir } = await loadConfig(resolve(o.config));
      const pid = await runningPid(dataDir);
      if (pid === null) {
        console.log(`no LEAG is running on ${dataDir}`);
        return;
      }
      if (!(await stopProcess(pid, o.timeout * 1000))) {
        throw new Error(`the LEAG (pid ${pid}) is still running after ${o.timeout} s`);
      }
      console.log(`stopped the LEAG on ${dataDir} (pid ${pid})`);
    });
}
