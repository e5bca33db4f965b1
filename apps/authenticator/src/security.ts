import type { FastifyInstance } from 'fastify';

/** Where Firebase's web SDK gets a push token: Firebase Installations, then FCM registration. */
export const FIREBASE_ORIGINS = [
  'https://firebaseinstallations.googleapis.com',
  'https://fcmregistrations.googleapis.com',
];

/**
 * Only this origin's own files and API: no inline scripts or styles, no framing, no external tiles or fonts.
 * The browser code is plain ES modules from `public/`. With web push, the page and the service worker may also
 * ask Firebase for a token.
 */
export function contentSecurityPolicy(options: { webPush: boolean }) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ["connect-src 'self'", ...(options.webPush ? FIREBASE_ORIGINS : [])].join(' '),
    "manifest-src 'self'",
    "worker-src 'self'",
    "media-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The policy without web push. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy({ webPush: false });

export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // the camera for "Scan QR code", on this origin only; nothing else
  'permissions-policy': 'camera=(self), microphone=(), geolocation=(), payment=(), usb=()',
};

/** HTTPS only, for a year, on this host and below it (outside development). */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** Adds the security headers to every answer, files, proxied API answers and errors alike. */
export function securityHeaders(app: FastifyInstance, options: { webPush: boolean; hsts?: boolean }) {
  const csp = contentSecurityPolicy(options);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', csp);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (options.hsts) reply.header('strict-transport-security', HSTS);
    return payload;
  });
}
