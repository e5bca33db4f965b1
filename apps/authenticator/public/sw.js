/* The offline shell: the app's own files, network first (so a new version shows at once) and the cache when
   offline. Verity's device API (/v1/…) and /health are never cached or answered from here. With web push, the
   app registers this worker as /sw.js?firebase=… and it also shows sign-in requests as notifications
   (push-sw.js, bundled with Firebase's SDK). */

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

if (new URL(sw.location.href).searchParams.has('firebase')) sw.importScripts('/push-sw.js');

const CACHE = 'verity-authenticator-v1';
const SHELL = [
  '/',
  '/index.html',
  '/styles.css',
  '/app.js',
  '/api.js',
  '/base32.js',
  '/dom.js',
  '/jws.js',
  '/link.js',
  '/map.js',
  '/push.js',
  '/push-rules.js',
  '/store.js',
  '/strings.js',
  '/totp.js',
  '/icon.svg',
  '/manifest.webmanifest',
  '/config.json',
];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith('/v1/') || url.pathname === '/health') return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(async () => {
        const cached = await caches.match(request, { ignoreSearch: true });
        if (cached) return cached;
        if (request.mode === 'navigate') {
          const shell = await caches.match('/index.html');
          if (shell) return shell;
        }
        return Response.error();
      }),
  );
});
