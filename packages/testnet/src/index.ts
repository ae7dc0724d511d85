// The testnet, the benchmark and the market day as a library: what the chaos harness and the
// end-to-end tests use of them. `pnpm testnet` runs cli.ts, `pnpm bench` runs bench/run.ts.

export { followBlocks } from './blockStream.ts';
export { type DriverOptions, type Ev, TrafficDriver } from './driver.ts';
// LEAGs on the chaos harness's hosts (loaded by path), and one run at a time per machine.
export {
  HOSTS_MODULE,
  type HostMode,
  type HostsModule,
  type LeagHosts,
  NETNS_MODULE,
  type NetnsModule,
} from './leagHosts.ts';
export { acquirePidLock, releasePidLock } from './pidLock.ts';
// LEAG daemons as processes, and following their blocks.
export {
  DAEMON_ENV,
  DAEMON_NODE_FLAGS,
  type DaemonProcess,
  restartDaemon,
  startDaemon,
  stopDaemon,
  waitFor,
} from './processes.ts';
// A whole testnet run: daemons, EV traffic, the market day, a report.
export {
  formatReport,
  type MarketDayConfig,
  runTestnet,
  type TestnetOptions,
  type TestnetReport,
} from './run.ts';
export { type Coin, Wallet } from './wallet.ts';
