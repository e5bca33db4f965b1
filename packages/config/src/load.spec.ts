import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, redactConfig } from './load.js';

const key = () => randomBytes(32).toString('base64');

describe(loadConfig.name, () => {
  it('applies defaults for local development', () => {
    const config = loadConfig(['database', 'redis']);
    expect(config.REDIS_PREFIX).toMatch(/^[a-z0-9]/);
    expect(config.DATABASE_POOL_SIZE).toBeGreaterThan(0);
  });

  it('names every missing or bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig(['secrets', 'api', 'redis'], { REDIS_URL: 'http://nope', API_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('MASTER_KEYS: is required but not set');
    expect(problems).toContain('OPERATOR_API_KEY: is required but not set');
    expect(problems).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
    expect(problems).toContain('API_PORT');
  });

  it('parses master keys and refuses a key of the wrong length', () => {
    const config = loadConfig(['secrets'], { MASTER_KEYS: `k2:${key()},k1:${key()}` });
    expect(config.MASTER_KEYS.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(config.MASTER_KEYS[0]?.key).toHaveLength(32);
    expect(() =>
      loadConfig(['secrets'], { MASTER_KEYS: `k1:${randomBytes(16).toString('base64')}` }),
    ).toThrow(/exactly 32 random bytes/);
    expect(() => loadConfig(['secrets'], { MASTER_KEYS: `k1:${key()},k1:${key()}` })).toThrow(/unique/);
  });

  it('never shows secrets when redacted', () => {
    const config = loadConfig(['api'], { OPERATOR_API_KEY: 'x'.repeat(40) });
    expect(JSON.stringify(redactConfig(config))).not.toContain('x'.repeat(40));
  });
});
