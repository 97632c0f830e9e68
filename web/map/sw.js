// The map app's service worker (scope /map/, docs/map-app.md): the app shell is kept at install,
// and every GET of this origin goes to the network first; its answer is kept, and when the
// network fails the kept copy answers (the last map, the last nearby list). Posts (a
// submission) are never kept or answered from the cache: offline they fail and say so.
const VERSION = 'gebieden-map-1';
const SHELL = [
  './', 'app.js', 'app.css', 'config.json', 'manifest.webmanifest', 'icon.svg', 'icon-192.png',
  'icon-512.png', 'lib/maplibre-gl.mjs', 'lib/maplibre-gl.css',
];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET' || new URL(req.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    try {
      const res = await fetch(req);
      if (res.ok && res.type === 'basic') cache.put(req, res.clone()).catch(() => {});
      return res;
    } catch (err) {
      const kept = await cache.match(req, { ignoreVary: true });
      if (kept) return kept;
      if (req.mode === 'navigate') {
        const shell = await cache.match('./');
        if (shell) return shell;
      }
      throw err;
    }
  })());
});
