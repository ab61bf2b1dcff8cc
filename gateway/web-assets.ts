// The browser client (web/) served by the gateway at `/`: esbuild bundles web/src/main.ts and
// web/styles.css in memory when the gateway starts, so there is no build step and no artifact to
// keep in sync with the sources. Asset names carry a content hash and are cached for a year;
// index.html names them and is revalidated on every load, so a new gateway's client is picked
// up at once. These are not API routes: they are mounted after the router and stay out of
// /openapi.json.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { Middleware } from 'koa';
import type { GatewayState } from './http/state.js';

export const WEB_DIR = join(import.meta.dirname, '..', 'web');

/** What index.html names; replaced by the hashed names of the build. */
const PLACEHOLDERS = { script: '/assets/app.js', stylesheet: '/assets/styles.css' } as const;

export interface WebAsset {
  body: Buffer;
  type: string;
  cacheControl: string;
  etag: string;
}

/** Served assets by URL path. */
export type WebAssets = ReadonlyMap<string, WebAsset>;

export interface WebBuildOptions {
  /** Minified, no source map; otherwise an inline source map for the browser's debugger. */
  production: boolean;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
const asset = (body: Buffer, type: string, cacheControl: string): WebAsset => ({ body, type, cacheControl, etag: etagOf(body) });

async function buildAssets({ production }: WebBuildOptions): Promise<WebAssets> {
  const result = await build({
    absWorkingDir: WEB_DIR,
    entryPoints: { app: 'src/main.ts', styles: 'styles.css' },
    tsconfig: join(WEB_DIR, 'tsconfig.json'),
    bundle: true,
    write: false,
    outdir: join(WEB_DIR, 'out'), // never written (write: false): names the output files
    entryNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: production,
    sourcemap: production ? false : 'inline',
    legalComments: 'eof',
    logLevel: 'silent',
  });
  const assets = new Map<string, WebAsset>();
  const named: Partial<Record<keyof typeof PLACEHOLDERS, string>> = {};
  for (const file of result.outputFiles) {
    const name = basename(file.path);
    const path = `/assets/${name}`;
    if (name.endsWith('.js')) {
      named.script = path;
      assets.set(path, asset(Buffer.from(file.contents), 'text/javascript; charset=utf-8', IMMUTABLE));
    } else {
      named.stylesheet = path;
      assets.set(path, asset(Buffer.from(file.contents), 'text/css; charset=utf-8', IMMUTABLE));
    }
  }
  let html = await readFile(join(WEB_DIR, 'index.html'), 'utf8');
  for (const key of Object.keys(PLACEHOLDERS) as (keyof typeof PLACEHOLDERS)[]) {
    const built = named[key];
    if (!built || !html.includes(PLACEHOLDERS[key])) throw new Error(`web/index.html must reference ${PLACEHOLDERS[key]} (the ${key} of the build)`);
    html = html.replaceAll(PLACEHOLDERS[key], built);
  }
  // no-cache = revalidate each time (the ETag makes that a 304): the page names the current assets.
  const page = asset(Buffer.from(html, 'utf8'), 'text/html; charset=utf-8', 'no-cache');
  assets.set('/', page);
  assets.set('/index.html', page);
  return assets;
}

// One build per process and mode: the sources do not change while it runs, and integration
// suites start many gateways in one process.
const builds = new Map<boolean, Promise<WebAssets>>();

export function buildWebAssets(options: WebBuildOptions): Promise<WebAssets> {
  let built = builds.get(options.production);
  if (!built) {
    built = buildAssets(options);
    builds.set(options.production, built);
    built.catch(() => builds.delete(options.production));
  }
  return built;
}

export interface ServeOptions {
  /** The bridge's URL for this request: the page may open a socket to it and nothing else. */
  bridgeUrl: (ctx: { protocol: string; hostname: string }) => string;
}

function contentSecurityPolicy(bridgeUrl: string): string {
  const bridge = new URL(bridgeUrl);
  const socket = `${bridge.protocol === 'https:' ? 'wss:' : 'ws:'}//${bridge.host}`;
  return [
    "default-src 'self'",
    `connect-src 'self' ${bridge.origin} ${socket}`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** GET/HEAD of `/`, `/index.html` and `/assets/*`; anything else goes on down the chain. */
export function serveWebAssets(assets: WebAssets, { bridgeUrl }: ServeOptions): Middleware<GatewayState> {
  return async (ctx, next) => {
    const found = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (!found) {
      await next();
      return;
    }
    ctx.set('Cache-Control', found.cacheControl);
    ctx.set('ETag', found.etag);
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (found.type.startsWith('text/html')) {
      ctx.set('Content-Security-Policy', contentSecurityPolicy(bridgeUrl(ctx)));
      ctx.set('Referrer-Policy', 'no-referrer');
    }
    ctx.type = found.type;
    ctx.body = found.body;
    if (ctx.fresh) ctx.status = 304;
  };
}
