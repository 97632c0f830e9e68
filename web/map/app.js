// The map app (docs/map-app.md): MapLibre GL JS with the service's own style, a layer list with
// legends, pop-ups with the public fields, search by address (/geocode), "wat is er in de buurt"
// (/nearby, /locate) on a tap or the device's location, and the form of POST /submissions.
// Every URL is relative to /map/, so the app works behind a proxy's prefix too.
import * as maplibregl from './lib/maplibre-gl.mjs';

const api = (path) => new URL(`../${path}`, document.baseURI).href;
const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

/** Text to an element, never HTML: the data is typed by people. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

async function getJson(url, options) {
  const res = await fetch(url, options);
  let body = null;
  try { body = await res.json(); } catch { body = null; }
  return { ok: res.ok, status: res.status, body };
}

const LABELS = {
  naam: 'Naam', soort: 'Soort', categorie: 'Categorie', omschrijving: 'Omschrijving',
  adres: 'Adres', straat: 'Straat', huisnummer: 'Huisnummer', postcode: 'Postcode',
  plaats: 'Plaats', website: 'Website', telefoon: 'Telefoon', email: 'E-mail',
  buurtnaam: 'Buurt', buurtcode: 'Buurtcode', wijknaam: 'Wijk', wijkcode: 'Wijkcode',
  gebied: 'Gebied', gebiednaam: 'Gebied', afstand_m: 'Afstand', collection: 'Laag',
};
const label = (k) => LABELS[k] || k.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
const metres = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1).replace('.', ',')} km` : `${Math.round(m)} m`);
const nameOf = (p, fallback) => p.naam || p.name || p.buurtnaam || p.wijknaam || p.titel || fallback;

let popup = null;  // the open pop-up (Escape closes it first)

// ---- panels: one open at a time, Escape closes, focus goes in and comes back ------------------
let opener = null;
function openPanel(id, from) {
  for (const p of document.querySelectorAll('.panel')) if (p.id !== id) p.hidden = true;
  for (const b of document.querySelectorAll('[aria-controls]'))
    b.setAttribute('aria-expanded', String(b.getAttribute('aria-controls') === id));
  const panel = $(id);
  panel.hidden = false;
  opener = from || opener;
  const first = panel.querySelector('input:not([type=checkbox]):not([tabindex="-1"]), h2');
  if (first) { if (first.tagName === 'H2') first.setAttribute('tabindex', '-1'); first.focus(); }
}
function closePanels() {
  let was = false;
  for (const p of document.querySelectorAll('.panel')) { was = was || !p.hidden; p.hidden = true; }
  for (const b of document.querySelectorAll('[aria-controls]')) b.setAttribute('aria-expanded', 'false');
  if (was && opener) opener.focus();
  opener = null;
}
function togglePanel(id, button) {
  if ($(id).hidden) openPanel(id, button); else closePanels();
}
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  if (popup && popup.isOpen()) { popup.remove(); return; }
  closePanels();
});
for (const b of document.querySelectorAll('[data-close]')) b.addEventListener('click', closePanels);

// ---- the map -----------------------------------------------------------------------------------
const config = (await getJson('config.json')).body || {};
let style = null;
if (config.style) {
  const res = await getJson(config.style);
  if (res.ok) style = res.body;
}
if (!style) {
  style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#F7F7F4' } }] };
  status('De kaartstijl kon niet geladen worden.');
}
if (config.basemap) {
  // The configured base map (map.basemap) right above the background, beneath our layers.
  const b = config.basemap;
  style.sources.basemap = { type: 'raster', tiles: [b.url], tileSize: b.tileSize, maxzoom: b.maxzoom, attribution: b.attribution };
  const at = style.layers.findIndex((l) => l.type === 'background') + 1;
  style.layers.splice(at, 0, { id: 'basemap', type: 'raster', source: 'basemap', metadata: { 'gebieden:title': 'Achtergrondkaart' } });
}
const bbox = config.bbox || [5.5, 53.05, 6.0, 53.3];
const map = new maplibregl.Map({
  container: 'kaart',
  style,
  bounds: [[bbox[0], bbox[1]], [bbox[2], bbox[3]]],
  fitBoundsOptions: { padding: 20 },
  attributionControl: { compact: true },
  maxZoom: 19,
});
window.gebiedenKaart = map;  // for the browser test (tests/browser/map.mjs) and the console
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
map.on('error', (e) => {
  const msg = e && e.error ? (e.error.message || String(e.error)) : 'onbekende fout';
  // Glyphs for the labels (/styles/fonts/...): until that route is there the labels are left
  // out and the map works without them; a warning, not an error.
  if (/fonts\//.test(msg) || /glyph/i.test(msg)) { console.warn(`labels zonder lettertype: ${msg}`); return; }
  console.error(`kaart: ${msg}`);
});

// ---- the layer list with legends -----------------------------------------------------------------
function swatchesOf(layer) {
  const paint = layer.paint || {};
  const colour = paint['fill-color'] || paint['circle-color'] || paint['line-color'] || paint['text-color'];
  const kind = layer.type === 'circle' ? 'point' : layer.type === 'line' ? 'line' : 'fill';
  if (Array.isArray(colour) && colour[0] === 'match') {
    const out = [];
    for (let i = 2; i + 1 < colour.length; i += 2) {
      const values = Array.isArray(colour[i]) ? colour[i] : [colour[i]];
      out.push({ label: values.join(', ').replace(/^./, (c) => c.toUpperCase()), colour: colour[i + 1], kind });
    }
    out.push({ label: 'overig', colour: colour[colour.length - 1], kind });
    return out;
  }
  return typeof colour === 'string' ? [{ label: null, colour, kind }] : [];
}
function buildLayerList() {
  const groups = new Map();
  for (const l of map.getStyle().layers) {
    if (l.type === 'background') continue;
    const key = l.source;
    if (!groups.has(key)) groups.set(key, { title: (l.metadata && l.metadata['gebieden:title']) || key, layers: [] });
    groups.get(key).layers.push(l);
  }
  const list = $('lagen');
  list.replaceChildren();
  for (const [source, g] of groups) {
    const id = `laag-${source}`;
    const main = g.layers.find((l) => l.type !== 'symbol') || g.layers[0];
    const sw = swatchesOf(main);
    const box = el('input', { type: 'checkbox', id, checked: true });
    box.addEventListener('change', () => {
      for (const l of g.layers) map.setLayoutProperty(l.id, 'visibility', box.checked ? 'visible' : 'none');
      status(`${g.title} ${box.checked ? 'aan' : 'uit'}`);
    });
    const one = sw.length === 1 ? el('span', { class: `swatch ${sw[0].kind}`, style: `background:${sw[0].colour}`, 'aria-hidden': 'true' }) : null;
    const legend = sw.length > 1
      ? el('ul', { class: 'legend', 'aria-label': `Legenda ${g.title}` },
        ...sw.map((s) => el('li', {}, el('span', { class: `swatch ${s.kind}`, style: `background:${s.colour}`, 'aria-hidden': 'true' }), s.label)))
      : null;
    list.append(el('li', { 'data-source': source }, el('label', { for: id }, box, one, g.title), legend));
  }
}
map.once('load', () => { buildLayerList(); status(''); });
$('knop-lagen').addEventListener('click', (e) => togglePanel('paneel-lagen', e.currentTarget));

// ---- pop-ups: the public fields of what was clicked (the public routes leave private ones out)
function showPopup(feature, lngLat) {
  const p = feature.properties || {};
  const rows = Object.entries(p).filter(([k, v]) => v !== null && v !== '' && !k.startsWith('_'));
  const table = el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', text: label(k) }), el('td', { text: String(v) }))));
  const title = (feature.layer.metadata && feature.layer.metadata['gebieden:title']) || feature.source;
  const body = el('div', {}, el('h3', { text: nameOf(p, title) }), table);
  if (popup) popup.remove();
  popup = new maplibregl.Popup({ maxWidth: '20rem', focusAfterOpen: true }).setLngLat(lngLat).setDOMContent(body).addTo(map);
}

// ---- where: a tap, the device's location, a search -------------------------------------------
/** Room for the panel that will show the answer: a bottom sheet on phones, a side panel else,
 *  so that the place flown to stays in sight beside it. */
function panelPadding() {
  const phone = window.matchMedia('(max-width: 640px)').matches;
  return phone ? { top: 0, left: 0, right: 0, bottom: Math.round(window.innerHeight * 0.6) }
    : { top: 0, left: 0, bottom: 0, right: Math.min(420, Math.round(window.innerWidth * 0.4)) };
}
let chosen = null;  // {lon, lat}: the last place, also offered to the form
let marker = null;
function choose(lon, lat, why) {
  chosen = { lon, lat };
  if (!marker) marker = new maplibregl.Marker({ color: '#1F3A5F' });
  marker.setLngLat([lon, lat]).addTo(map);
  const box = $('f-punt');
  box.disabled = false;
  $('f-punt-waar').textContent = `(${lat.toFixed(5)}, ${lon.toFixed(5)}${why ? `, ${why}` : ''})`;
}

async function whatIsNear(lon, lat, heading) {
  choose(lon, lat, heading);
  openPanel('paneel-buurt');
  const place = $('plek');
  const list = $('dichtbij');
  place.replaceChildren(el('p', { text: 'Even zoeken…' }));
  list.replaceChildren();
  const coords = encodeURIComponent(`POINT(${lon.toFixed(6)} ${lat.toFixed(6)})`);
  const [loc, near] = await Promise.all([
    getJson(api(`locate?coords=${coords}`)),
    getJson(api(`nearby?coords=${coords}&limit=10&within=1000`)),
  ]);
  place.replaceChildren();
  if (heading) place.append(el('p', { class: 'where', text: heading }));
  if (loc.ok) {
    const g = loc.body.gebied || {};
    const t = g.team || {};
    const dl = el('dl', {},
      el('dt', { text: 'Buurt' }), el('dd', { text: loc.body.buurt ? loc.body.buurt.naam : '' }),
      el('dt', { text: 'Wijk' }), el('dd', { text: loc.body.wijk ? loc.body.wijk.naam : '' }),
      el('dt', { text: 'Gebied' }), el('dd', { text: g.naam || '' }),
      el('dt', { text: 'Gebiedsteam' }), el('dd', { class: 'team', text: t.name || t.naam || 'onbekend' }));
    if (t.email) dl.append(el('dt', { text: 'E-mail' }), el('dd', {}, el('a', { href: `mailto:${t.email}`, text: t.email })));
    if (t.phone) dl.append(el('dt', { text: 'Telefoon' }), el('dd', {}, el('a', { href: `tel:${t.phone.replace(/\s/g, '')}`, text: t.phone })));
    place.append(dl);
  } else {
    place.append(el('p', { class: 'error', text: loc.body && loc.body.description ? `Niet gevonden: ${loc.body.description}` : 'Deze plek ligt niet in de gemeente.' }));
  }
  if (near.ok) {
    const fs = near.body.features || [];
    $('kop-buurt').textContent = `Wat is er in de buurt (${fs.length})`;
    if (!fs.length) list.append(el('li', { text: 'Niets binnen 1 km.' }));
    for (const f of fs) {
      const p = f.properties || {};
      const [flon, flat] = f.geometry.coordinates;
      list.append(el('li', {},
        el('strong', { text: nameOf(p, f.id) }), ' ',
        el('span', { class: 'afstand', text: `${p.soort || p.collection || ''} · ${metres(p.afstand_m)}` }),
        el('button', { type: 'button', 'aria-label': `Toon ${nameOf(p, f.id)} op de kaart`, text: 'Toon',
          onclick: () => { map.flyTo({ center: [flon, flat], zoom: 17, padding: panelPadding() }); showPopup({ properties: p, layer: {}, source: p.collection }, [flon, flat]); } })));
    }
    status(`${heading ? `${heading}: ` : ''}${fs.length} plekken in de buurt`);
  } else {
    list.append(el('li', { class: 'error', text: near.body && near.body.description ? near.body.description : 'De lijst kon niet geladen worden.' }));
  }
}

map.on('click', (e) => {
  const pointLayers = map.getStyle().layers.filter((l) => l.type === 'circle').map((l) => l.id);
  const hit = map.queryRenderedFeatures([[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]], { layers: pointLayers });
  if (hit.length) { showPopup(hit[0], e.lngLat); return; }
  whatIsNear(e.lngLat.lng, e.lngLat.lat, 'Gekozen punt op de kaart');
});
map.getCanvas().style.cursor = 'pointer';

$('knop-locatie').addEventListener('click', () => {
  if (!navigator.geolocation) { status('Dit apparaat geeft geen locatie.'); return; }
  status('Locatie opvragen…');
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      const { longitude: lon, latitude: lat } = pos.coords;
      map.flyTo({ center: [lon, lat], zoom: 15, padding: panelPadding() });
      whatIsNear(lon, lat, 'Uw locatie');
    },
    (err) => status(`Geen locatie: ${err.message || 'geweigerd'}`),
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
});

$('zoek').addEventListener('submit', async (e) => {
  e.preventDefault();
  const q = $('zoek-adres').value.trim();
  if (!q) return;
  status(`Zoeken naar ${q}…`);
  const res = await getJson(api(`geocode?q=${encodeURIComponent(q)}`));
  const r = res.body || {};
  if (!res.ok || r.lon === null || r.lon === undefined || !['address', 'fuzzy', 'coordinates'].includes(r.status)) {
    const why = r.detail || r.reason || r.description || 'niet gevonden';
    status(`Niet gevonden: ${q} (${why})`);
    return;
  }
  const text = r.address || q;
  status(`Gevonden: ${text}${r.warning ? ` (${r.warning})` : ''}`);
  map.flyTo({ center: [r.lon, r.lat], zoom: 17, padding: panelPadding() });
  whatIsNear(r.lon, r.lat, `Adres: ${text}`);
});

// ---- the submission form (POST /submissions, docs/submissions.md) -------------------------------
const form = $('aanmelding');
$('knop-aanmelden').addEventListener('click', (e) => togglePanel('paneel-aanmelden', e.currentTarget));
// The categorieen of the schema (config.json); without them the field is left out.
if (Array.isArray(config.categorieen) && config.categorieen.length) {
  for (const v of config.categorieen) $('f-categorie').append(el('option', { value: v, text: v.replaceAll('_', ' ') }));
} else {
  $('f-categorie').closest('.field').hidden = true;
}

function clearErrors() {
  for (const p of form.querySelectorAll('.error')) p.textContent = '';
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}
function fieldError(name, message) {
  const box = $(`e-${name}`) || $('e-form');
  box.textContent = message;
  const input = form.elements[name] || (name === 'lat' || name === 'lon' ? $('f-punt') : null);
  if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
}
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors();
  $('aanmelding-antwoord').textContent = '';
  // The browser's own checks first, each named at its field (the server checks them again).
  for (const input of form.querySelectorAll('input, textarea, select')) {
    if (input.name === 'website_url' || input.checkValidity()) continue;
    fieldError(input.name, input.validity.valueMissing ? 'Vul dit veld in.' : 'Dit klopt nog niet.');
    return;
  }
  const body = {};
  for (const [k, v] of new FormData(form)) if (k !== 'punt' && String(v).trim() !== '') body[k] = String(v).trim();
  if ($('f-punt').checked && chosen) { body.lat = chosen.lat; body.lon = chosen.lon; }
  if (!body.adres && body.lat === undefined) { fieldError('adres', 'Vul een adres in of kies een punt op de kaart.'); return; }
  const res = await getJson(api('submissions'), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
  if (res.status === 202 && res.body) {
    const a = $('aanmelding-antwoord');
    a.replaceChildren(el('p', {}, el('strong', { text: 'Ontvangen. ' }), 'Uw referentie is ', el('strong', { class: 'referentie', text: res.body.referentie }), '.'),
      el('p', { text: res.body.volgende_stappen || '' }));
    form.reset();
    a.setAttribute('tabindex', '-1');
    a.focus();
    return;
  }
  const err = res.body || {};
  const message = err.description || `Aanmelden lukte niet (${res.status}).`;
  if (err.parameter) fieldError(err.parameter, message); else fieldError('form', message);
});

// ---- offline: the service worker keeps the app and the last data (sw.js) ---------------------
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch((err) => console.warn(`geen offline-modus: ${err.message}`));
}
window.addEventListener('offline', () => status('Offline: u ziet de laatst geladen gegevens.'));
window.addEventListener('online', () => status(''));
