import { ConfigError, loadConfig } from './config.js';

/** A Firebase web app's settings as the console shows them, and a Web Push certificate's public key. */
const FIREBASE = {
  apiKey: 'AIzaSyA-test-key-0123456789abcdefghijk',
  projectId: 'verity-demo',
  messagingSenderId: '123456789012',
  appId: '1:123456789012:web:0a1b2c3d4e5f6a7b',
  vapidKey: `B${'x'.repeat(40)}-${'Y'.repeat(45)}`,
};

describe('configuration', () => {
  it('defaults to 127.0.0.1:3100, the API on 127.0.0.1:3000, and no web push', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3100, host: '127.0.0.1', firebase: null });
    expect(config.apiUrl.href).toBe('http://127.0.0.1:3000/');
  });

  it('sends Strict-Transport-Security outside development only', () => {
    expect(loadConfig({}).hsts).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).hsts).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production' }).hsts).toBe(true);
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

  it('reads the Firebase web app for web push from AUTHENTICATOR_FIREBASE', () => {
    expect(loadConfig({ AUTHENTICATOR_FIREBASE: JSON.stringify(FIREBASE) }).firebase).toEqual(FIREBASE);
    expect(loadConfig({ AUTHENTICATOR_FIREBASE: ' ' }).firebase).toBeNull();
  });

  it('takes the Firebase console’s snippet as it is, leaving out what messaging does not use', () => {
    const snippet = {
      ...FIREBASE,
      authDomain: 'verity-demo.firebaseapp.com',
      storageBucket: 'verity-demo.firebasestorage.app',
      measurementId: 'G-ABC123',
    };
    expect(loadConfig({ AUTHENTICATOR_FIREBASE: JSON.stringify(snippet) }).firebase).toEqual({
      ...FIREBASE,
      authDomain: 'verity-demo.firebaseapp.com',
    });
  });

  const firebase = (change: Record<string, unknown>) => ({
    AUTHENTICATOR_FIREBASE: JSON.stringify({ ...FIREBASE, ...change }),
  });

  it.each([
    ['that is not JSON', { AUTHENTICATOR_FIREBASE: '{apiKey: x}' }, /AUTHENTICATOR_FIREBASE must be JSON/],
    ['that is not an object', { AUTHENTICATOR_FIREBASE: '["x"]' }, /must be a JSON object/],
    ['without the VAPID key', firebase({ vapidKey: undefined }), /AUTHENTICATOR_FIREBASE needs vapidKey/],
    ['with a bad VAPID key', firebase({ vapidKey: 'BAD' }), /vapidKey must be the Web Push certificate/],
    ['of an Android app', firebase({ appId: '1:1234:android:0a1b' }), /appId must be a web app/],
    ['with a number for a text', firebase({ messagingSenderId: 1234 }), /messagingSenderId must be/],
    ['with an empty project', firebase({ projectId: '' }), /projectId must be the project ID/],
    ['with a misspelt name', firebase({ vapidkey: 'x' }), /has unknown settings: vapidkey/],
  ])('refuses AUTHENTICATOR_FIREBASE %s', (_case, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
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
