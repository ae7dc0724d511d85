import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLauncher } from '../src/cli/launcherWatch.ts';

test('the package-manager launchers above `pnpm v2g start` are recognised, and nothing else', () => {
  const launchers = [
    ['/bin/sh', '/work/main/node_modules/.bin/node', '/usr/bin/npx', '-y', 'pnpm@10.34.8', 'v2g', 'start'],
    ['npm exec pnpm@10.34.8 v2g start --config net/leag-0.json'],
    ['sh', '-c', 'pnpm', 'v2g', 'start'],
    ['/usr/bin/node', '/root/.npm/_npx/a06d/node_modules/.bin/pnpm', 'v2g', 'start'],
    ['sh', '-c', 'sh bin/v2g start --config net/leag-0.json'],
  ];
  for (const argv of launchers) assert.ok(isLauncher(argv), argv.join(' '));
  const others = [
    ['-bash'],
    ['/bin/bash'],
    ['/usr/lib/systemd/systemd', '--user'],
    ['/usr/bin/node', '--test', 'test/e2e/cli.test.ts'],
    ['/usr/bin/node', 'packages/testnet/src/cli.ts'],
    ['tmux', 'new-session'],
  ];
  for (const argv of others) assert.ok(!isLauncher(argv), argv.join(' '));
});
