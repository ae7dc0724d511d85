import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTS_MODULE, type HostsModule, NETNS_MODULE, type NetnsModule } from '@v2g/testnet';
import { createHosts } from '../src/hosts.ts';
import { removeTopologySync } from '../src/netns.ts';

// The testnet and the scale bench load this package's host code by path (this package depends on
// theirs); tsc checks here that what they load still fits what they expect of it.
const hostsModule: HostsModule = { createHosts };
const netnsModule: NetnsModule = { removeTopologySync };

test('the testnet package loads this package’s hosts.ts and netns.ts by path, and they fit', async () => {
  assert.equal(((await import(HOSTS_MODULE)) as HostsModule).createHosts, hostsModule.createHosts);
  assert.equal(
    ((await import(NETNS_MODULE)) as NetnsModule).removeTopologySync,
    netnsModule.removeTopologySync,
  );
  const loopback = await hostsModule.createHosts(3, { loopback: true, basePort: 47000 });
  assert.equal(loopback.mode, 'loopback');
  assert.equal(loopback.apiUrl(2), 'http://127.0.0.1:48002');
  assert.deepEqual(loopback.command(0, ['node', 'x.js']), { cmd: 'node', args: ['x.js'] });
});
