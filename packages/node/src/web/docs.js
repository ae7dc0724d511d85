// The API reference: renders /openapi.json, which the LEAG generates from its route schemas.
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
};

const json = (value) => el('pre', { class: 'mono' }, JSON.stringify(value, null, 2));

function parameters(op) {
  const rows = (op.parameters ?? []).map((p) =>
    el(
      'tr',
      {},
      el('td', { class: 'mono' }, p.name),
      el('td', {}, p.in),
      el('td', { class: 'mono' }, JSON.stringify(p.schema ?? {})),
      el('td', {}, p.required ? 'required' : ''),
    ),
  );
  if (rows.length === 0) return null;
  return el(
    'table',
    {},
    el('tr', {}, el('th', {}, 'parameter'), el('th', {}, 'in'), el('th', {}, 'schema'), el('th', {}, '')),
    ...rows,
  );
}

function route(path, method, op) {
  const box = el('div', { class: 'route', id: `${method}-${path}` });
  box.append(
    el('span', { class: `method ${method}` }, method.toUpperCase()),
    el('span', { class: 'mono' }, path),
    ' — ',
    op.summary ?? '',
  );
  if (op.description) box.append(el('p', { class: 'muted' }, op.description));
  const params = parameters(op);
  if (params) box.append(params);
  const body = op.requestBody?.content;
  if (body) {
    for (const [type, media] of Object.entries(body))
      box.append(el('details', {}, el('summary', {}, `request body (${type})`), json(media.schema)));
  }
  for (const [status, res] of Object.entries(op.responses ?? {})) {
    const content = Object.entries(res.content ?? {});
    const title = `${status}: ${res.description ?? ''}`;
    if (content.length === 0) box.append(el('div', { class: 'muted' }, title));
    for (const [type, media] of content)
      box.append(el('details', {}, el('summary', {}, `${title} (${type})`), json(media.schema)));
  }
  return box;
}

const doc = await (await fetch('/openapi.json')).json();
document.getElementById('version').textContent =
  `OpenAPI ${doc.openapi} · ${doc.info.title} v${doc.info.version}`;
document.getElementById('description').textContent = doc.info.description ?? '';
const byTag = new Map();
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    const tag = op.tags?.[0] ?? 'other';
    if (!byTag.has(tag)) byTag.set(tag, []);
    byTag.get(tag).push(route(path, method, op));
  }
}
const routes = document.getElementById('routes');
routes.textContent = '';
for (const [tag, boxes] of byTag) {
  document.getElementById('tags').append(el('a', { href: `#tag-${tag}` }, tag));
  routes.append(el('h2', { id: `tag-${tag}` }, tag), ...boxes);
}
