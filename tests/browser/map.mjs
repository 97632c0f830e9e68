// The map app (/map) in Chromium against the real server (started by
// tests/browser/test_map_http.cpp, which passes GEBIEDEN_URL and GEBIEDEN_ADDRESS). Every
// expectation is computed from the server's own answers (the style, /geocode, /nearby,
// /locate, the gebieden), never written down here. Exit code 0 when everything passed.
import { openPage, decodePng, countColours, Checks } from './harness.mjs';

const base = process.env.GEBIEDEN_URL;
const address = process.env.GEBIEDEN_ADDRESS;
if (!base || !address) {
  console.error('usage: GEBIEDEN_URL=http://127.0.0.1:PORT GEBIEDEN_ADDRESS="Straat 1 Plaats" node map.mjs');
  process.exit(2);
}
const t = new Checks();
const json = async (path) => {
  const res = await fetch(new URL(path, base));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
};

// The label glyphs are served (/styles/fonts/{fontstack}/{range}.pbf): a missing one fails.
const allowConsole = [];

const hex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
const mapIdle = (page) => page.waitForFunction(() => {
  const m = window.gebiedenKaart;
  return m && m.loaded() && m.isStyleLoaded() && !m.isMoving() && m.areTilesLoaded();
}, null, { timeout: 60000 });

// What the server says, to compare the app with.
const style = await json('/styles/sociale-basis?f=mapbox');
const gebieden = await json('/collections/gebieden/items?f=json&limit=100');
const geocoded = await json(`/geocode?q=${encodeURIComponent(address)}`);
t.ok(['address', 'fuzzy'].includes(geocoded.status), `the register has '${address}' (${geocoded.status})`);
const coords = encodeURIComponent(`POINT(${geocoded.lon.toFixed(6)} ${geocoded.lat.toFixed(6)})`);
const located = await json(`/locate?coords=${coords}`);
const nearby = await json(`/nearby?coords=${coords}&limit=10&within=1000`);

// ---- desktop ---------------------------------------------------------------------------------
const desk = await openPage(`${base}/map`, { viewport: { width: 1280, height: 800 }, allowConsole });
const page = desk.page;
t.ok(new URL(page.url()).pathname === '/map/', `/map leads to /map/ (${page.url()})`);
await mapIdle(page);

// Features drawn: MapLibre's own rendered features, per source, and the gebieden's colours.
const rendered = await page.evaluate(() => {
  const fs = window.gebiedenKaart.queryRenderedFeatures();
  const bySource = {};
  const gebied = new Set();
  for (const f of fs) {
    bySource[f.source] = (bySource[f.source] || 0) + 1;
    if (f.source === 'gebieden' && f.properties.gebied) gebied.add(f.properties.gebied);
  }
  return { bySource, gebied: [...gebied] };
});
for (const src of ['gebieden', 'wijken', 'buurten', 'gemeente'])
  t.ok(rendered.bySource[src] > 0, `${src} drawn (${rendered.bySource[src] || 0} rendered features)`);
const pointSources = style.layers.filter((l) => l.type === 'circle').map((l) => l.source);
const pointsDrawn = pointSources.filter((s) => rendered.bySource[s] > 0);
t.ok(pointsDrawn.length > 0, `social base drawn as symbols (${pointsDrawn.join(', ')})`);
const gebiedIds = new Set(gebieden.features.map((f) => f.properties.gebied));
t.ok(rendered.gebied.length === gebiedIds.size, `all ${gebiedIds.size} gebieden rendered (${rendered.gebied.length})`);

// The canvas really draws (WebGL on SwiftShader): the fill colours of the style, blended over
// its background at the style's opacity, are on the screenshot.
const shot = decodePng(await desk.screenshot('map-desktop'));
const fill = style.layers.find((l) => l.id === 'gebieden-fill');
const bg = hex(style.layers.find((l) => l.type === 'background').paint['background-color']);
const opacity = typeof fill.paint['fill-opacity'] === 'number' ? fill.paint['fill-opacity'] : 1;
const match = fill.paint['fill-color'];
const fills = [];
for (let i = 2; i + 1 < match.length; i += 2) fills.push(hex(match[i + 1]));
const blended = fills.map((c) => c.map((v, k) => Math.round(v * opacity + bg[k] * (1 - opacity))));
const counts = countColours(shot, blended, 8);
const present = counts.filter((n) => n >= 20).length;
t.ok(present >= Math.ceil(0.75 * fills.length),
  `the gebieden's colours on the screenshot: ${present} of ${fills.length} (${counts.join(', ')} px)`);

// The layer list: one entry per source with its legend; switching gebieden off hides them.
await page.click('#knop-lagen');
const entries = await page.locator('#lagen > li').count();
const sources = new Set(style.layers.filter((l) => l.source).map((l) => l.source));
t.ok(entries === sources.size, `layer list has every layer (${entries} of ${sources.size})`);
t.ok(await page.locator('#lagen li[data-source=gebieden] .legend li').count() === fills.length + 1,
  'the gebieden legend has a swatch per gebied and one for overig');
await page.uncheck('#laag-gebieden');
const hidden = await page.evaluate(() => window.gebiedenKaart.getLayoutProperty('gebieden-fill', 'visibility'));
t.ok(hidden === 'none', 'unchecking Gebieden hides its layers');
await page.check('#laag-gebieden');
await page.keyboard.press('Escape');
t.ok(await page.locator('#paneel-lagen').isHidden(), 'Escape closes the layer panel');
t.ok(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'knop-lagen',
  'focus returns to the Lagen button');

// Search by address: the map flies there and shows it; the panel lists what is near.
await page.fill('#zoek-adres', address);
await page.press('#zoek-adres', 'Enter');
await page.waitForFunction(([lon, lat]) => {
  const m = window.gebiedenKaart;
  const c = m.getCenter();
  return !m.isMoving() && Math.abs(c.lng - lon) < 1e-4 && Math.abs(c.lat - lat) < 1e-4;
}, [geocoded.lon, geocoded.lat], { timeout: 30000 });
t.ok(true, 'search: the map moved to the geocoded address');
t.ok((await page.textContent('#status')).includes(geocoded.address), `search shows '${geocoded.address}'`);
t.ok(await page.locator('.maplibregl-marker').count() === 1, 'a marker at the address');
await page.waitForSelector('#dichtbij li');
const listed = await page.locator('#dichtbij li strong').allTextContents();
const expected = nearby.features.map((f) => f.properties.naam || f.id);
t.ok(listed.length === expected.length && listed.every((n, i) => n === String(expected[i])),
  `nearby list = /nearby (${listed.length} places, first '${listed[0]}')`);
const place = await page.textContent('#plek');
t.ok(place.includes(located.gebied.naam), `locate names the gebied '${located.gebied.naam}'`);
t.ok(place.includes(located.buurt.naam) && place.includes(located.wijk.naam), 'locate names the buurt and wijk');
const team = located.gebied.team && located.gebied.team.name;
t.ok(team && place.includes(team), `locate names the team '${team}'`);

// A pop-up with the public fields: from the list's "Toon" button, then by clicking the symbol
// itself (one more than 30 m from the address, so that the address's marker is not on it).
const far = nearby.features.findIndex((f) => f.properties.afstand_m > 30);
t.ok(far >= 0, 'a nearby place more than 30 m away');
if (far >= 0) {
  const f = nearby.features[far];
  const name = String(f.properties.naam || f.id);
  await page.locator('#dichtbij li button').nth(far).click();
  await page.waitForSelector('.maplibregl-popup-content', { timeout: 10000 });
  t.ok((await page.textContent('.maplibregl-popup-content')).includes(name), `"Toon" opens the pop-up of '${name}'`);
  await page.keyboard.press('Escape');
  t.ok(await page.locator('.maplibregl-popup').count() === 0, 'Escape closes the pop-up');
  await page.keyboard.press('Escape');
  await mapIdle(page);
  const box0 = await page.locator('#kaart canvas').boundingBox();
  const at = await page.evaluate((c) => window.gebiedenKaart.project(c), f.geometry.coordinates);
  await page.mouse.click(box0.x + at.x, box0.y + at.y);
  await page.waitForSelector('.maplibregl-popup-content', { timeout: 10000 });
  const text = await page.textContent('.maplibregl-popup-content');
  // Another record on the very same spot may be the one on top: then its name is shown.
  const onTop = await page.evaluate(([x, y]) => {
    const m = window.gebiedenKaart;
    const points = m.getStyle().layers.filter((l) => l.type === 'circle').map((l) => l.id);
    return m.queryRenderedFeatures([[x - 6, y - 6], [x + 6, y + 6]], { layers: points }).map((g) => g.properties.naam);
  }, [at.x, at.y]);
  const shown = text.includes(name) ? name : onTop.find((n) => n && text.includes(n));
  t.ok(shown, `a click on the symbol shows its fields ('${shown || name}')`);
  if (shown === name) for (const [k, v] of Object.entries(f.properties))
    if (k !== 'afstand_m' && k !== 'collection' && typeof v === 'string' && v.length > 1 && !text.includes(v)) {
      t.ok(false, `the pop-up shows ${k} (${v})`);
      break;
    }
  await page.keyboard.press('Escape');
}
// The map holds no private field (the public routes leave them out).
const privates = await page.evaluate(() => Object.keys(window.gebiedenKaart.queryRenderedFeatures()
  .reduce((a, x) => Object.assign(a, x.properties), {})).filter((k) => /^(aanmelder_|contact_)/.test(k)));
t.ok(privates.length === 0, `no private field in the features the map has (${privates.join(', ')})`);

// A tap on the map (away from the point symbols) lists what is near that spot.
await page.keyboard.press('Escape');
await mapIdle(page);
const box = await page.locator('#kaart canvas').boundingBox();
await page.evaluate(() => { document.getElementById('dichtbij').replaceChildren(); });
const spot = await page.evaluate(([w, h]) => {
  // a spot inside a buurt without a point symbol within 10 px: computed, not guessed
  const m = window.gebiedenKaart;
  const points = m.getStyle().layers.filter((l) => l.type === 'circle').map((l) => l.id);
  for (let y = h * 0.3; y < h * 0.7; y += 7)
    for (let x = w * 0.3; x < w * 0.7; x += 7) {
      if (m.queryRenderedFeatures([[x - 10, y - 10], [x + 10, y + 10]], { layers: points }).length) continue;
      if (m.queryRenderedFeatures([x, y], { layers: ['buurten-line', 'buurten-fill'].filter((id) => m.getLayer(id)) }).length ||
          m.queryRenderedFeatures([x, y], { layers: ['gebieden-fill'] }).length) return [x, y];
    }
  return null;
}, [box.width, box.height]);
t.ok(spot, 'a spot in the gemeente without a symbol to tap');
if (spot) {
  await page.mouse.click(box.x + spot[0], box.y + spot[1]);
  await page.waitForSelector('#dichtbij li', { timeout: 30000 });
  const lngLat = await page.evaluate(([x, y]) => window.gebiedenKaart.unproject([x, y]), spot);
  const c2 = encodeURIComponent(`POINT(${lngLat.lng.toFixed(6)} ${lngLat.lat.toFixed(6)})`);
  const n2 = await json(`/nearby?coords=${c2}&limit=10&within=1000`);
  const l2 = await page.locator('#dichtbij li strong').count();
  t.ok(l2 === n2.features.length || (n2.features.length === 0 && (await page.textContent('#dichtbij')).includes('Niets')),
    `a tap lists the places near it (${l2}, /nearby says ${n2.features.length})`);
}

// The submission form: a field the server refuses is named at that field; then it is accepted.
await page.click('#knop-aanmelden');
await page.fill('#f-naam', 'Buurtmoestuin proef kaart-app');
await page.fill('#f-omschrijving', 'Samen groenten kweken, aangemeld via de kaart.');
await page.fill('#f-adres', address);
const choices = await page.locator('#f-categorie option').count();
t.ok(choices > 1, `the form offers the schema's categorieen (${choices - 1})`);
if (choices > 1) await page.selectOption('#f-categorie', { index: 1 });
await page.fill('#f-aanmelder_naam', 'Proef Aanmelder');
await page.fill('#f-aanmelder_email', 'proef.aanmelder@example.nl');
await page.fill('#f-aanmelder_telefoon', '12');
await page.click('#aanmelding button[type=submit]');
await page.waitForFunction(() => document.getElementById('e-aanmelder_telefoon').textContent.length > 0, null, { timeout: 15000 });
t.ok(await page.getAttribute('#f-aanmelder_telefoon', 'aria-invalid') === 'true',
  `the server's error is shown at its field: '${await page.textContent('#e-aanmelder_telefoon')}'`);
// The browser logs the refused post (400) as an error: asked for here, so not counted.
t.ok(desk.expected(/status of 400 .*\/submissions/) === 1, 'the refused post was the one 400');
await page.fill('#f-aanmelder_telefoon', '');
await page.click('#aanmelding button[type=submit]');
await page.waitForSelector('#aanmelding-antwoord .referentie', { timeout: 15000 });
const ref = await page.textContent('#aanmelding-antwoord .referentie');
t.ok(/^INI-\d{4}-[A-Z0-9]{6}$/.test(ref), `the form posts and shows the answer (${ref})`);

// Installable: the manifest and the service worker.
const manifestHref = await page.getAttribute('link[rel=manifest]', 'href');
const manifestUrl = new URL(manifestHref, page.url());
const mres = await fetch(manifestUrl);
t.ok(mres.headers.get('content-type') === 'application/manifest+json', 'the manifest is application/manifest+json');
const manifest = await mres.json();
t.ok(manifest.lang === 'nl' && manifest.display === 'standalone' && manifest.name && manifest.start_url,
  'the manifest has name, start_url, display standalone, lang nl');
for (const size of ['192x192', '512x512']) {
  const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
  const res = icon && await fetch(new URL(icon.src, manifestUrl));
  const png = res && res.ok && decodePng(Buffer.from(await res.arrayBuffer()));
  t.ok(png && `${png.width}x${png.height}` === size, `a ${size} PNG icon`);
}
const sw = await page.evaluate(async () => {
  const reg = await navigator.serviceWorker.ready;
  return { script: reg.active && reg.active.scriptURL, scope: reg.scope };
});
t.ok(sw.script && new URL(sw.script).pathname === '/map/sw.js' && new URL(sw.scope).pathname === '/map/',
  `the service worker registers (${sw.script}, scope ${sw.scope})`);

// Offline: with the network gone, the app and the last data come from the service worker.
await page.reload({ waitUntil: 'load' });  // now controlled by the worker: it keeps what it fetches
await mapIdle(page);
await desk.context.setOffline(true);
await page.reload({ waitUntil: 'load' });
await mapIdle(page);
const offline = await page.evaluate(() => window.gebiedenKaart.queryRenderedFeatures().length);
t.ok(offline > 0, `offline the app still draws the last data (${offline} features)`);
await desk.context.setOffline(false);
try { desk.check(); t.ok(true, 'desktop: no console errors, no request outside 127.0.0.1'); } catch (e) { t.ok(false, e.message); }
t.ok(desk.requests.some((u) => u.includes('/styles/sociale-basis')), 'the app loaded our style');
await desk.close();

// ---- a 360 px phone with a faked location ------------------------------------------------------
const phone = await openPage(`${base}/map/`, {
  viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  geolocation: { latitude: geocoded.lat, longitude: geocoded.lon }, allowConsole,
});
await mapIdle(phone.page);
const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
t.ok(wide <= 360, `nothing wider than the phone's 360 px (${wide})`);
await phone.page.click('#knop-locatie');
await phone.page.waitForSelector('#dichtbij li', { timeout: 30000 });
const phonePlace = await phone.page.textContent('#plek');
t.ok(phonePlace.includes(located.gebied.naam) && (!team || phonePlace.includes(team)),
  'my location: the panel names the gebied and team');
t.ok(await phone.page.locator('#dichtbij li strong').count() === nearby.features.length,
  'my location: the nearby list from /nearby');
const sheet = await phone.page.locator('#paneel-buurt').boundingBox();
t.ok(sheet && Math.abs(sheet.y + sheet.height - 740) < 2 && sheet.width >= 359, 'the panel is a bottom sheet');
await mapIdle(phone.page);
await phone.screenshot('map-360x740');
try { phone.check(); t.ok(true, 'phone: no console errors, no request outside 127.0.0.1'); } catch (e) { t.ok(false, e.message); }
await phone.close();

t.done();
