import { ConfigError, loadConfig } from './config.js';

describe('configuration', () => {
  it('defaults to 127.0.0.1:3100 and the API on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3100, host: '127.0.0.1' });
    expect(config.apiUrl.href).toBe('http://127.0.0.1:3000/');
  });

  it('reads AUTHENTICATOR_PORT (0 for any free port), AUTHENTICATOR_HOST and VERITY_API_URL', () => {
    const config = loadConfig({
      AUTHENTICATOR_PORT: '0',
      AUTHENTICATOR_HOST: '0.0.0.0',
      VERITY_API_URL: 'https://verity.example.nhs.uk/api',
    });
    expect(config).toMatchObject({ port: 0, host: '0.0.0.0' });
    expect(config.apiUrl.href).toBe('https://verity.example.nhs.uk/api');
  });

  it.each([
    [{ AUTHENTICATOR_PORT: 'x' }, /AUTHENTICATOR_PORT/],
    [{ AUTHENTICATOR_PORT: '70000' }, /AUTHENTICATOR_PORT/],
    [{ AUTHENTICATOR_PORT: '-1' }, /AUTHENTICATOR_PORT/],
    [{ VERITY_API_URL: 'not a url' }, /VERITY_API_URL/],
    [{ VERITY_API_URL: 'ftp://host/' }, /VERITY_API_URL/],
    [{ VERITY_API_URL: 'http://user:pw@host/' }, /VERITY_API_URL/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
