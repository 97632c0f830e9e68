// Usage: node check.mjs BUNDLE_DIR SERVICE_URL LAYER_IDS OUT_JSON
// Serves BUNDLE_DIR (the esbuild bundle of entry.js and a page) on 127.0.0.1, opens it in
// Debian's headless Chromium through playwright-core, lets @arcgis/core load each layer of the
// FeatureServer at SERVICE_URL and writes what the SDK made of its renderer to OUT_JSON.
// Fails (exit 1) on a console error, a failed load, or a request that leaves 127.0.0.1.
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const [bundleDir, serviceUrl, layerIds, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error("usage: node check.mjs BUNDLE_DIR SERVICE_URL LAYER_IDS OUT_JSON");
  process.exit(2);
}
const types = { ".js": "application/javascript", ".css": "text/css", ".html": "text/html" };
const server = http.createServer((req, res) => {
  const name = path.basename(new URL(req.url, "http://x").pathname) || "index.html";
  const file = path.join(bundleDir, name);
  if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const pageUrl = `http://127.0.0.1:${server.address().port}/index.html`;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  // playwright-core starts Chromium with a new empty profile of its own.
});
const problems = [];
let result = null;
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push("console: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => {
    const host = new URL(r.url()).hostname;
    if (host !== "127.0.0.1" && !r.url().startsWith("data:") && !r.url().startsWith("blob:"))
      problems.push("request leaves 127.0.0.1: " + r.url());
  });
  // What leaves is stopped too, so that a test never depends on the internet.
  await page.route((u) => !["127.0.0.1"].includes(u.hostname) && u.protocol.startsWith("http"),
                   (route) => route.abort());
  await page.goto(pageUrl);
  await page.waitForFunction(() => typeof window.readLayer === "function", null, { timeout: 60000 });
  result = {};
  for (const id of layerIds.split(",")) {
    result[id] = await page.evaluate((u) => window.readLayer(u).catch((e) => ({ error: String(e && e.message || e) })),
                                     `${serviceUrl}/${id}`);
  }
} catch (e) {
  problems.push("check failed: " + (e && e.message || e));
} finally {
  await browser.close();
  server.close();
}
fs.writeFileSync(outFile, JSON.stringify({ layers: result, problems }, null, 2));
for (const p of problems) console.error(p);
process.exit(problems.length ? 1 : 0);
