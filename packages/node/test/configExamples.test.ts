import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, genesisFromJson } from '@v2g/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { defaultNodeConfig, loadConfig, nodeConfigCodec } from '../src/config/config.ts';
import { parseJsonc } from '../src/config/jsonc.ts';
import { writeKeyFile } from '../src/config/keyFile.ts';

const CONFIGS = fileURLToPath(new URL('../../../configs/', import.meta.url));
const V2G = fileURLToPath(new URL('../../../bin/v2g', import.meta.url));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v2g-configs-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('JSONC: comments and trailing commas are blanked, strings are kept, JSON errors stay errors', () => {
  assert.deepEqual(parseJsonc('// head\n{"a": "http://x/*y*/", /* note */ "b": [1, 2,],}\n'), {
    a: 'http://x/*y*/',
    b: [1, 2],
  });
  assert.deepEqual(parseJsonc('{"q": "say \\"//\\" here"}'), { q: 'say "//" here' });
  assert.deepEqual(parseJsonc('{"s": "a,]", "t": [",}",],}'), { s: 'a,]', t: [',}'] });
  assert.throws(() => parseJsonc('[1,,]'), SyntaxError);
  assert.throws(() => parseJsonc('// one\n{"a": }'), SyntaxError);
});

test('the annotated example and the minimal config load, with every field left out at its default', async () => {
  const full = await loadConfig(join(CONFIGS, 'leag.example.jsonc'));
  const minimal = await loadConfig(join(CONFIGS, 'leag.minimal.json'));
  assert.deepEqual(minimal.bootstrap, []);
  assert.equal(minimal.minPeers, 1);
  for (const [k, v] of Object.entries(defaultNodeConfig)) {
    assert.deepEqual(minimal[k as keyof typeof minimal], v, `minimal: ${k}`);
    assert.deepEqual(full[k as keyof typeof full], v, `the example shows ${k} at its default`);
  }
  assert.equal(full.keyFile, join(CONFIGS, 'station-north.key'), 'paths are relative to the file');
});

test('the JSON Schema names exactly the loader fields and accepts both examples', async () => {
  const schema = JSON.parse(await readFile(join(CONFIGS, 'leag.schema.json'), 'utf8')) as {
    properties: Record<string, unknown>;
    required: string[];
  };
  const loaded = nodeConfigCodec.toJson(await loadConfig(join(CONFIGS, 'leag.minimal.json'))) as object;
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(loaded).sort());
  const validate = new Ajv2020({ strict: false }).compile(schema);
  for (const file of ['leag.example.jsonc', 'leag.minimal.json']) {
    const json = parseJsonc(await readFile(join(CONFIGS, file), 'utf8'));
    assert.ok(validate(json), `${file}: ${JSON.stringify(validate.errors)}`);
  }
  assert.deepEqual(
    Object.keys(JSON.parse(await readFile(join(CONFIGS, 'leag.minimal.json'), 'utf8'))).sort(),
    [...schema.required].sort(),
  );
});

test('the example genesis is a valid genesis', async () => {
  const g = genesisFromJson(JSON.parse(await readFile(join(CONFIGS, 'genesis.example.json'), 'utf8')));
  assert.deepEqual(
    g.leags.map((l) => l.name),
    ['station-north', 'station-harbour', 'station-depot'],
  );
});

test('`v2g config check` prints the effective config, and says what is wrong', async () => {
  await copyFile(join(CONFIGS, 'leag.example.jsonc'), join(dir, 'leag.jsonc'));
  await copyFile(join(CONFIGS, 'genesis.example.json'), join(dir, 'genesis.example.json'));
  const check = (file: string) => spawnSync(V2G, ['config', 'check', file], { cwd: dir, encoding: 'utf8' });

  const missingKey = check('leag.jsonc');
  assert.equal(missingKey.status, 1);
  assert.match(missingKey.stderr, /keyFile .*station-north\.key/);

  await writeKeyFile(join(dir, 'station-north.key'), generateKeyPair());
  const ok = check('leag.jsonc');
  assert.equal(ok.status, 0, ok.stderr);
  const out = JSON.parse(ok.stdout) as { effective: { apiRateBurst: number }; notes: string[] };
  assert.equal(out.effective.apiRateBurst, 400);
  assert.match(out.notes[0] ?? '', /not in the genesis LEAG list/);

  const genesis = check('genesis.example.json');
  assert.equal(genesis.status, 0, genesis.stderr);
  assert.match(genesis.stdout, /"chainId": "v2g-example"/);
});
