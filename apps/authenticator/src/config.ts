/** The authenticator's settings, from the environment. */
export interface AuthenticatorConfig {
  /** 0 asks for any free port. */
  port: number;
  host: string;
  /** The Verity API that `/v1/devices/*` is forwarded to. */
  apiUrl: URL;
  /** Web push through FCM; null: the page polls. */
  firebase: FirebaseWebConfig | null;
  /** Strict-Transport-Security on every answer: outside development (`NODE_ENV` other than `development`). */
  hsts: boolean;
}

/** A Firebase web app's settings and its Web Push certificate's public key: all public, the page gets them. */
export interface FirebaseWebConfig {
  apiKey: string;
  authDomain?: string;
  projectId: string;
  messagingSenderId: string;
  appId: string;
  vapidKey: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  AUTHENTICATOR_PORT: '3100',
  AUTHENTICATOR_HOST: '127.0.0.1',
  VERITY_API_URL: 'http://127.0.0.1:3000',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AuthenticatorConfig {
  const portText = (env.AUTHENTICATOR_PORT || DEFAULTS.AUTHENTICATOR_PORT).trim();
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new ConfigError(`AUTHENTICATOR_PORT must be a port number from 0 to 65535, not "${portText}"`);
  const host = (env.AUTHENTICATOR_HOST || DEFAULTS.AUTHENTICATOR_HOST).trim();
  const apiText = (env.VERITY_API_URL || DEFAULTS.VERITY_API_URL).trim();
  let apiUrl: URL;
  try {
    apiUrl = new URL(apiText);
  } catch {
    throw new ConfigError(`VERITY_API_URL must be an http(s) URL, not "${apiText}"`);
  }
  if (!['http:', 'https:'].includes(apiUrl.protocol) || apiUrl.search || apiUrl.hash || apiUrl.username)
    throw new ConfigError(
      `VERITY_API_URL must be an http(s) URL without query or credentials, not "${apiText}"`,
    );
  return {
    port,
    host,
    apiUrl,
    firebase: parseFirebase(env.AUTHENTICATOR_FIREBASE?.trim()),
    hsts: (env.NODE_ENV || 'development') !== 'development',
  };
}

const FIREBASE_FIELDS: Record<keyof FirebaseWebConfig, { pattern: RegExp; what: string; optional?: true }> = {
  apiKey: { pattern: /^[\w-]{20,100}$/, what: 'the web API key' },
  authDomain: { pattern: /^[a-z0-9.-]{1,253}$/, what: 'a host name', optional: true },
  projectId: { pattern: /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, what: 'the project ID' },
  messagingSenderId: { pattern: /^\d{1,20}$/, what: 'the sender ID (digits)' },
  appId: { pattern: /^1:\d+:web:[0-9a-f]+$/, what: 'a web app’s ID (1:…:web:…)' },
  // an uncompressed P-256 point (65 bytes, the first 0x04) in base64url
  vapidKey: { pattern: /^B[\w-]{86}$/, what: 'the Web Push certificate’s public key (87 characters)' },
};
/** In the Firebase console's snippet but not needed for messaging: accepted, left out. */
const UNUSED_FIREBASE_FIELDS = new Set(['storageBucket', 'measurementId', 'databaseURL']);

function parseFirebase(text: string | undefined): FirebaseWebConfig | null {
  if (!text) return null;
  const example = '{"apiKey":…,"projectId":…,"messagingSenderId":…,"appId":…,"vapidKey":…}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`AUTHENTICATOR_FIREBASE must be JSON like ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`AUTHENTICATOR_FIREBASE must be a JSON object like ${example}`);
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !(k in FIREBASE_FIELDS) && !UNUSED_FIREBASE_FIELDS.has(k));
  if (unknown.length > 0)
    throw new ConfigError(`AUTHENTICATOR_FIREBASE has unknown settings: ${unknown.join(', ')}`);
  const config: Record<string, string> = {};
  for (const [name, { pattern, what, optional }] of Object.entries(FIREBASE_FIELDS)) {
    const field = given[name];
    if (field === undefined) {
      if (optional) continue;
      throw new ConfigError(`AUTHENTICATOR_FIREBASE needs ${name}: ${what}`);
    }
    if (typeof field !== 'string' || !pattern.test(field))
      throw new ConfigError(`AUTHENTICATOR_FIREBASE.${name} must be ${what}, not ${JSON.stringify(field)}`);
    config[name] = field;
  }
  return config as unknown as FirebaseWebConfig;
}
