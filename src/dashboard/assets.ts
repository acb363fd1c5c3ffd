/**
 * The dashboard as the gateway serves it: one HTML page and two same-origin
 * assets, all compiled in, so the package needs no CDN, no bundler and no
 * files on disk at run time.
 */
import { createHash } from 'node:crypto';
import { APP_JS } from './client-app.js';
import { CHARTS_JS } from './client-charts.js';
import { PANELS_JS } from './client-panels.js';
import { DASHBOARD_CSS } from './css.js';
import { DASHBOARD_HTML } from './html.js';

export interface Asset {
  readonly contentType: string;
  readonly body: string;
  /** Strong validator, so a reload revalidates with a 304 instead of refetching. */
  readonly etag: string;
}

function asset(contentType: string, body: string): Asset {
  return { contentType, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * `img-src data:` admits the cost chart, which the page shows as a data: URL
 * image. The directives after the first four only tighten further: no
 * framing, no <base> rewrites, no form posts.
 */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// One IIFE keeps the page's helpers out of the global scope.
const SCRIPT = `'use strict';\n(function () {\n${CHARTS_JS}\n${PANELS_JS}\n${APP_JS}\n})();\n`;

export const DASHBOARD_PAGE: Asset = asset('text/html; charset=utf-8', DASHBOARD_HTML);

/** Keyed by the route name under /api/. */
export const DASHBOARD_ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['assets/dashboard.js', asset('text/javascript; charset=utf-8', SCRIPT)],
  ['assets/dashboard.css', asset('text/css; charset=utf-8', DASHBOARD_CSS)],
]);
