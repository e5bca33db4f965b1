/* Firebase's web SDK as the page uses it, bundled by the build into dist/bundles/firebase.js (an ES module that
   push.js imports only when web push is configured). */
export { initializeApp } from 'firebase/app';
export { getMessaging, getToken, isSupported, onMessage } from 'firebase/messaging';
