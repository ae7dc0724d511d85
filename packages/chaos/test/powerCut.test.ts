import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { powerCut } from '../src/powerCut.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A process appending a line to `file` every millisecond, without fsync. */
function writer(file: string) {
  const script = `const fs=require('node:fs');let n=0;setInterval(()=>fs.appendFileSync(${JSON.stringify(file)},(n++)+'\\n'),1);`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

describe('power cut', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test('every LEAG is paused at one instant, killed, and comes back with its disk as it was then', async () => {
    const root = await mkdtemp(join(tmpdir(), 'v2g-chaos-cut-'));
    dirs.push(root);
    const targets = [0, 1].map((i) => ({
      dataDir: join(root, `data-${i}`),
      snapDir: join(root, 'snapshots', `leag-${i}`),
    }));
    for (const t of targets) await mkdir(t.dataDir, { recursive: true });
    const children = targets.map((t) => writer(join(t.dataDir, 'log')));
    await sleep(300);
    const exits = children.map((c) => once(c, 'exit'));
    let atKill: string[] = [];
    await powerCut(
      targets.map((t, i) => ({ ...t, pid: children[i]!.pid! })),
      async () => {
        // Paused: nothing is written between the copy and the kill.
        atKill = await Promise.all(targets.map((t) => readFile(join(t.dataDir, 'log'), 'utf8')));
        await sleep(50);
        for (const c of children) c.kill('SIGKILL');
        await Promise.all(exits);
      },
    );
    for (const [i, t] of targets.entries()) {
      const disk = await readFile(join(t.dataDir, 'log'), 'utf8');
      assert.ok(disk.length > 0, 'the writer wrote something');
      assert.equal(disk, atKill[i], 'nothing written after the pause, nothing lost before it');
      assert.equal(disk, await readFile(join(t.snapDir, 'log'), 'utf8'), 'the copy is kept');
      assert.ok(disk.endsWith('\n'), 'the copy holds whole lines');
    }
    for (const c of children) assert.equal(c.signalCode, 'SIGKILL');
  });

  test('a LEAG that is not running keeps its disk untouched', async () => {
    const root = await mkdtemp(join(tmpdir(), 'v2g-chaos-cut-'));
    dirs.push(root);
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'x'), 'kept');
    let killed = false;
    await powerCut([{ dataDir, snapDir: join(root, 'snap'), pid: null }], async () => {
      killed = true;
    });
    assert.ok(killed);
    assert.equal(await readFile(join(dataDir, 'x'), 'utf8'), 'kept');
  });
});
