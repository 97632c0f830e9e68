// The Chromium harness of the browser tests (docs/map-app.md, "The browser test"): Debian's
// chromium driven by playwright-core (npm, web/package.json; never the full playwright package,
// which would download a browser of its own). One function, openPage(url, options), opens a page
// in a fresh, empty profile and records what the checks need:
//   - every console error and uncaught page error,
//   - every request URL (pages, workers, the service worker), and every request that would leave
//     127.0.0.1: those are aborted, never sent, and make check() fail,
//   - screenshots under the build folder (GEBIEDEN_SCREENSHOTS, default build/screenshots).
// Other tests (an overview page, the welcome pack, @arcgis/core) reuse it:
//   const s = await openPage(url, { viewport: { width: 360, height: 740 } });
//   ... s.page is Playwright's Page ...
//   await s.screenshot('name'); s.check(); await s.close();
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
// playwright-core lives in the build's npm folder (web/npm_install.cmake), not beside this file.
const webDir = path.resolve(process.env.GEBIEDEN_WEB_DIR || path.join(repo, 'build', 'web'));
const require = createRequire(path.join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.GEBIEDEN_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = process.env.GEBIEDEN_SCREENSHOTS || path.join(repo, 'build', 'screenshots');

/** Chromium's switches: headless, no sandbox (root in CI), no network of its own, and WebGL on
 *  the CPU (SwiftShader) since there is no GPU. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--disable-domain-reliability',
  '--no-default-browser-check', '--metrics-recording-only', '--disable-breakpad',
  '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

/** True when `url` stays on this machine: http(s) to 127.0.0.1, or a data:/blob:/about: URL. */
export function isLocal(url) {
  const u = new URL(url);
  if (['data:', 'blob:', 'about:', 'chrome-error:'].includes(u.protocol)) return true;
  return (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:') &&
         u.hostname === '127.0.0.1';
}

/**
 * Open `url` in a new headless Chromium with an empty profile.
 * options:
 *   viewport      {width, height} (default 1280x800); isMobile/hasTouch for phones
 *   geolocation   {latitude, longitude}: granted and faked
 *   allowConsole  RegExps of console errors that do not fail check() (each use says why)
 *   waitUntil     Playwright's load state (default 'load')
 * Returns { browser, context, page, errors, requests, outside, screenshot(name), check(), close() }.
 */
export async function openPage(url, options = {}) {
  const userDataDir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'gebieden-chromium-'));
  const viewport = options.viewport || { width: 1280, height: 800 };
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    isMobile: !!options.isMobile,
    hasTouch: !!options.hasTouch,
    deviceScaleFactor: options.deviceScaleFactor || 1,
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
    geolocation: options.geolocation,
    permissions: options.geolocation ? ['geolocation'] : [],
    serviceWorkers: 'allow',
  });
  const errors = [];
  const requests = [];
  const outside = [];
  const allow = options.allowConsole || [];
  const allowed = (text) => allow.some((re) => re.test(text));
  context.on('request', (req) => {
    requests.push(req.url());
  });
  // Nothing leaves the machine: a request elsewhere is aborted and recorded.
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (isLocal(u)) return route.continue();
    outside.push(u);
    return route.abort('blockedbyclient');
  });
  const watch = (page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location();
      const text = `${msg.text()}${loc && loc.url ? ` (${loc.url})` : ''}`;
      if (!allowed(text)) errors.push(`console: ${text}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('requestfailed', (req) => {
      const f = req.failure();
      const text = `request failed: ${req.url()} ${f ? f.errorText : ''}`;
      if (isLocal(req.url()) && !allowed(text) && !/ERR_ABORTED/.test(text)) errors.push(text);
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] || (await context.newPage());
  watch(page);
  const response = await page.goto(url, { waitUntil: options.waitUntil || 'load' });
  if (!response || !response.ok()) errors.push(`${url}: HTTP ${response ? response.status() : 'no answer'}`);

  const session = {
    context, page, errors, requests, outside, response,
    /** A PNG of the viewport (or the full page) in SCREENSHOTS/<name>.png; returns its bytes. */
    async screenshot(name, opts = {}) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${name}.png`);
      return page.screenshot({ path: file, fullPage: !!opts.fullPage });
    },
    /** Takes the console errors so far that match `re` out of the record (an error the test
     *  caused on purpose, e.g. a 400 it asked for); returns how many there were. */
    expected(re) {
      const kept = errors.filter((e) => !re.test(e));
      const n = errors.length - kept.length;
      errors.splice(0, errors.length, ...kept);
      return n;
    },
    /** Throws when a console error was logged or a request tried to leave 127.0.0.1. */
    check() {
      const problems = [...errors];
      for (const u of outside) problems.push(`request outside 127.0.0.1: ${u}`);
      if (problems.length) throw new Error(`${url}:\n  ${problems.join('\n  ')}`);
    },
    async close() {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return session;
}

/** Decode an 8-bit, non-interlaced PNG (what Chromium's screenshots are) to RGBA pixels. */
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0, height = 0, colourType = 0, depth = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      depth = data[8]; colourType = data[9];
      if (data[12] !== 0) throw new Error('interlaced PNG');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const channels = { 2: 3, 6: 4, 0: 1, 4: 2 }[colourType];
  if (depth !== 8 || !channels) throw new Error(`PNG colour type ${colourType}, depth ${depth}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(width * height * 4);
  const prev = Buffer.alloc(stride);
  const cur = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    raw.copy(cur, 0, y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let v = cur[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      const s = x * channels, d = (y * width + x) * 4;
      if (channels >= 3) { out[d] = cur[s]; out[d + 1] = cur[s + 1]; out[d + 2] = cur[s + 2]; }
      else { out[d] = out[d + 1] = out[d + 2] = cur[s]; }
      out[d + 3] = channels === 4 ? cur[s + 3] : channels === 2 ? cur[s + 1] : 255;
    }
    cur.copy(prev);
  }
  return { width, height, data: out };
}

/** How many pixels of a decoded PNG are within `tolerance` (per channel) of each [r,g,b]. */
export function countColours(png, colours, tolerance = 10) {
  const counts = colours.map(() => 0);
  for (let i = 0; i < png.data.length; i += 4) {
    for (let k = 0; k < colours.length; k++) {
      const c = colours[k];
      if (Math.abs(png.data[i] - c[0]) <= tolerance && Math.abs(png.data[i + 1] - c[1]) <= tolerance &&
          Math.abs(png.data[i + 2] - c[2]) <= tolerance) { counts[k]++; break; }
    }
  }
  return counts;
}

/** A small assertion helper for the test scripts: collects failures instead of stopping. */
export class Checks {
  constructor() { this.failed = []; this.passed = 0; }
  ok(cond, what) {
    if (cond) { this.passed++; console.log(`ok   ${what}`); } else { this.failed.push(what); console.log(`FAIL ${what}`); }
    return !!cond;
  }
  /** Prints the closing line and sets the exit code. */
  done() {
    console.log(`${this.passed} passed, ${this.failed.length} failed`);
    process.exitCode = this.failed.length ? 1 : 0;
  }
}
