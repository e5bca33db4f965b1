import { randomBytes } from 'node:crypto';
import { signedTwilioCallback } from '@verity/testing';
import { onboard, startApi, type TestApi } from '../test/api.js';

const PUBLIC_URL = 'https://verity.example.nhs.uk';
const twilio = { accountSid: `AC${'d'.repeat(32)}`, from: '+447700900321' };
const OLD_TOKEN = 'the-token-being-replaced';
const NEW_TOKEN = 'the-token-replacing-it';

/**
 * Two API processes behind one address: the sender's credentials changed through one must be the only ones
 * the other accepts at once, not after its cache of the settings has expired.
 */
describe('a replaced Twilio token, across API instances', () => {
  let first: TestApi;
  let second: TestApi;
  let org: Awaited<ReturnType<typeof onboard>>;
  let path: string;

  beforeAll(async () => {
    first = await startApi({ PUBLIC_URL });
    second = await startApi({ PUBLIC_URL });
    org = await onboard(first, 'token');
    const slug = (await first.request({ method: 'GET', url: '/v1/organisation', key: org.key })).body.slug;
    path = `/webhooks/twilio/${slug}/sms/status`;
  }, 30_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  const useToken = (api: TestApi, authToken: string) =>
    api.request({
      method: 'PUT',
      url: '/v1/channels/sms',
      key: org.key,
      body: { provider: 'twilio-sms', config: { ...twilio, authToken } },
    });

  async function statusSignedWith(api: TestApi, authToken: string): Promise<number> {
    const params = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      MessageStatus: 'delivered',
      AccountSid: twilio.accountSid,
    };
    const signed = signedTwilioCallback(authToken, `${PUBLIC_URL}${path}`, params);
    return (
      await api.request({ method: 'POST', url: path, payload: signed.rawBody, headers: signed.headers })
    ).status;
  }

  it('is refused by the other instance within a second of the change', async () => {
    expect((await useToken(first, OLD_TOKEN)).status).toBe(200);
    // the second instance has read and cached the settings
    expect(await statusSignedWith(second, OLD_TOKEN)).toBe(204);
    expect(await statusSignedWith(second, NEW_TOKEN)).toBe(403);

    expect((await useToken(first, NEW_TOKEN)).status).toBe(200);
    const changed = Date.now();
    let refusedAfterMs: number | undefined;
    while (Date.now() - changed < 5_000) {
      if ((await statusSignedWith(second, OLD_TOKEN)) === 403) {
        refusedAfterMs = Date.now() - changed;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(
      refusedAfterMs === undefined
        ? 'old token still accepted by the other instance 5 s after the change'
        : `old token refused by the other instance ${refusedAfterMs} ms after the change`,
    );
    expect(refusedAfterMs).toBeDefined();
    expect(refusedAfterMs!).toBeLessThan(1_000);
    expect(await statusSignedWith(second, NEW_TOKEN)).toBe(204);
    expect(await statusSignedWith(first, OLD_TOKEN)).toBe(403);
  });

  it('goes back to the default at once when the setting is removed', async () => {
    expect(await statusSignedWith(second, NEW_TOKEN)).toBe(204);
    expect((await first.request({ method: 'DELETE', url: '/v1/channels/sms', key: org.key })).status).toBe(
      204,
    );
    // the service default here is the sandbox, which verifies no callback
    expect(await statusSignedWith(second, NEW_TOKEN)).not.toBe(204);
  });
});
