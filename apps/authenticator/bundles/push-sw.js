/* Web push in the service worker, bundled with Firebase's SDK by the build into dist/bundles/push-sw.js, which
   sw.js imports when the app registered it with Firebase's settings (/sw.js?firebase=…). */
import { initializeApp } from 'firebase/app';
import { getMessaging, onBackgroundMessage } from 'firebase/messaging/sw';
import { REFRESH, firebaseOfWorker, requestNotification } from '../public/push-rules.js';
import { chooseLanguage, useLanguage } from '../public/strings.js';

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const firebase = firebaseOfWorker(sw.location.href);

if (firebase) {
  useLanguage(chooseLanguage(navigator.languages?.length ? navigator.languages : [navigator.language]));
  // Firebase adds its push listeners here, as the worker starts. A page of the app in view gets the message
  // through onMessage instead (push.js); otherwise the request is shown as a notification.
  onBackgroundMessage(getMessaging(initializeApp(firebase)), async ({ data }) => {
    const notification = requestNotification(data);
    if (!notification) return;
    await sw.registration.showNotification(notification.title, notification.options);
    for (const page of await appWindows()) page.postMessage({ type: REFRESH });
  });

  sw.addEventListener('notificationclick', (event) => {
    if (!event.notification.data?.challengeId) return;
    event.notification.close();
    event.waitUntil(openApp());
  });
}

function appWindows() {
  return sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
}

/** Focuses the app, which asks Verity for the request at once; or opens it, which does so as it starts. */
async function openApp() {
  const [page] = await appWindows();
  if (page) {
    page.postMessage({ type: REFRESH });
    await page.focus();
  } else await sw.clients.openWindow('/');
}
