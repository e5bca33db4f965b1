/** The authenticator's settings, from the environment. */
export interface AuthenticatorConfig {
  /** 0 asks for any free port. */
  port: number;
  host: string;
  /** The Verity API that `/v1/devices/*` is forwarded to. */
  apiUrl: URL;
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
  return { port, host, apiUrl };
}
