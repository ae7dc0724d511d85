import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiApp } from './apiApp.ts';
import { ApiError } from './apiError.ts';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
const UPLOT = dirname(createRequire(import.meta.url).resolve('uplot'));

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Files the pages may load, all served from the package: a LEAG may run
 * offline, so nothing comes from a CDN. The chart library is uPlot, from its
 * npm package.
 */
const ASSETS: Record<string, string> = {
  'dashboard.js': join(WEB, 'dashboard.js'),
  'dashboardCharts.js': join(WEB, 'dashboardCharts.js'),
  'docs.js': join(WEB, 'docs.js'),
  'style.css': join(WEB, 'style.css'),
  'uPlot.esm.js': join(UPLOT, 'uPlot.esm.js'),
  'uPlot.min.css': join(UPLOT, 'uPlot.min.css'),
};

/**
 * Pages for people, served by every LEAG: the live dashboard at `/` and the
 * API reference at `/docs` (rendered from `/openapi.json` in the browser).
 * Files are read once, at start.
 */
export function registerPages(app: ApiApp): void {
  const read = (path: string) => readFileSync(path, 'utf8');
  const pages = { dashboard: read(join(WEB, 'dashboard.html')), docs: read(join(WEB, 'docs.html')) };
  const assets = new Map(Object.entries(ASSETS).map(([name, path]) => [name, read(path)]));

  app.get('/', async (_req, reply) => reply.type(TYPES.html).send(pages.dashboard));
  app.get('/docs', async (_req, reply) => reply.type(TYPES.html).send(pages.docs));
  app.get(
    '/ui/:file',
    {
      schema: {
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', maxLength: 64 } },
        } as const,
      },
    },
    async (req, reply) => {
      const file = req.params.file;
      const body = assets.get(file);
      if (body === undefined) throw new ApiError('not-found', `no file ${file}`);
      const ext = file.slice(file.lastIndexOf('.') + 1) as keyof typeof TYPES;
      return reply.type(TYPES[ext]).header('cache-control', 'public, max-age=300').send(body);
    },
  );
}
