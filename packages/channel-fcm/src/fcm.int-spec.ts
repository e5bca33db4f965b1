import { ChannelError, type Channel, type OutboundMessage, type PushContent } from '@verity/channel-sdk';
import { describeChannelContract } from '@verity/channel-sdk/contract';
import { fcmErrorBody, startFcmFake, type FcmFake } from '@verity/testing';
import { fcmChannel } from './index.js';

const TOKEN = 'fake-static-google-token';

function message(overrides: Partial<PushContent> = {}): OutboundMessage<PushContent> {
  return {
    deliveryId: 'dlv_1',
    tenantId: 'tnt_1',
    idempotencyKey: 'dlv_1',
    to: 'device-token-abc',
    content: {
      kind: 'push',
      data: {
        challengeId: 'ch_1',
        organisation: 'Leeds Teaching Hospitals',
        app: 'NHSmail',
        location: 'Leeds, GB',
      },
      ttlSeconds: 120,
      ...overrides,
    },
  };
}

function channelFor(fake: FcmFake, extra: { timeoutMs?: number } = {}): Channel {
  return fcmChannel.create(
    fcmChannel.configSchema.parse({
      projectId: 'verity-test',
      accessToken: TOKEN,
      endpoint: { host: '127.0.0.1', port: fake.port, caCert: fake.caCert },
      ...extra,
    }),
  );
}

let contractFake: FcmFake;
let contractChannel: Channel;
describeChannelContract(
  'fcm',
  async () => {
    contractFake = await startFcmFake({ accessToken: TOKEN });
    contractChannel = channelFor(contractFake);
    return {
      channel: contractChannel,
      fake: contractFake,
      message: message(),
      permanentFailure: { status: 404, body: fcmErrorBody(404, 'UNREGISTERED') },
      permanentCode: 'unregistered_device',
    };
  },
  async () => {
    await contractChannel.close?.();
    await contractFake.close();
  },
);

describe('fcm channel through firebase-admin', () => {
  let fake: FcmFake;
  let channel: Channel;

  beforeAll(async () => {
    fake = await startFcmFake({ accessToken: TOKEN });
    channel = channelFor(fake, { timeoutMs: 500 });
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await channel.close?.();
    await fake.close();
  });

  it('posts a data-only, high-priority FCM v1 message (Android, APNs and web push) with the challenge lifetime as its TTL', async () => {
    const sent = message();
    const before = Math.floor(Date.now() / 1000);
    const result = await channel.send(sent);

    expect(result.providerMessageId).toMatch(/^projects\/verity-test\/messages\/0:\d+$/);
    const [request, ...others] = fake.requests();
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({ method: 'POST', path: '/v1/projects/verity-test/messages:send' });
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.host).toBe('fcm.googleapis.com');
    const body = request?.body as { message: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['message']);
    expect(body.message.token).toBe('device-token-abc');
    expect(body.message.data).toEqual(sent.content.data);
    expect(body.message).not.toHaveProperty('notification');
    expect(body.message.android).toEqual({ priority: 'high', ttl: '120s' });
    expect(body.message.webpush).toEqual({ headers: { Urgency: 'high', TTL: '120' } });
    const apns = body.message.apns as { headers: Record<string, string> };
    expect(apns.headers['apns-priority']).toBe('10');
    const expiration = Number(apns.headers['apns-expiration']);
    expect(expiration).toBeGreaterThanOrEqual(before + 120);
    expect(expiration).toBeLessThanOrEqual(before + 122);
  });

  it('reports an UNREGISTERED token as a permanent "unregistered_device", tried once', async () => {
    fake.failNext(1, { status: 404, body: fcmErrorBody(404, 'UNREGISTERED') });
    const error = await channel.send(message()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ code: 'unregistered_device', retryable: false });
    expect(fake.requests()).toHaveLength(1);
  });

  it('reports an invalid token as "invalid_recipient" and another invalid argument as "rejected"', async () => {
    fake.failNext(1, {
      status: 400,
      body: fcmErrorBody(
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
      ),
    });
    await expect(channel.send(message())).rejects.toMatchObject({
      code: 'invalid_recipient',
      retryable: false,
    });
    fake.failNext(1, { status: 400, body: fcmErrorBody(400, 'INVALID_ARGUMENT', 'Invalid TTL') });
    await expect(channel.send(message())).rejects.toMatchObject({ code: 'rejected', retryable: false });
  });

  it('reports QUOTA_EXCEEDED as "rate_limited" with its Retry-After', async () => {
    fake.failNext(1, { status: 429, headers: { 'retry-after': '30' } });
    await expect(channel.send(message())).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 30_000,
    });
  });

  it('leaves retries of UNAVAILABLE to the worker: one request, Retry-After kept, no wait inside the SDK', async () => {
    fake.failNext(2, { status: 503, headers: { 'retry-after': '20' } });
    const started = Date.now();
    await expect(channel.send(message())).rejects.toMatchObject({
      code: 'unavailable',
      retryable: true,
      retryAfterMs: 20_000,
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.requests()).toHaveLength(1);

    fake.reset(); // the same when the provider closes the connection, so a retry would need a new one
    fake.failNext(2, { status: 503, headers: { connection: 'close' } });
    await expect(channel.send(message())).rejects.toMatchObject({ code: 'unavailable' });
    expect(fake.requests()).toHaveLength(1);
  });

  it('reports a rejected credential as "invalid_config"', async () => {
    const wrong = fcmChannel.create(
      fcmChannel.configSchema.parse({
        projectId: 'verity-test',
        accessToken: 'not-the-token',
        endpoint: { host: '127.0.0.1', port: fake.port, caCert: fake.caCert },
      }),
    );
    try {
      await expect(wrong.send(message())).rejects.toMatchObject({ code: 'invalid_config', retryable: false });
    } finally {
      await wrong.close?.();
    }
  });

  it('gives up on a provider that does not answer with a retryable "timeout"', async () => {
    fake.hangNext(1);
    await expect(channel.send(message())).rejects.toMatchObject({ code: 'timeout', retryable: true });
    expect(fake.requests()).toHaveLength(1);
  });

  it('refuses a certificate it was not told to trust', async () => {
    const untrusting = fcmChannel.create(
      fcmChannel.configSchema.parse({
        projectId: 'verity-test',
        accessToken: TOKEN,
        endpoint: { host: '127.0.0.1', port: fake.port, caCert: OTHER_CA },
      }),
    );
    try {
      await expect(untrusting.send(message())).rejects.toBeInstanceOf(ChannelError);
      expect(fake.requests()).toHaveLength(0);
    } finally {
      await untrusting.close?.();
    }
  });
});

describe('fcm config', () => {
  it('needs exactly one of serviceAccount or accessToken', () => {
    expect(fcmChannel.configSchema.safeParse({ projectId: 'p' }).success).toBe(false);
    expect(
      fcmChannel.configSchema.safeParse({
        projectId: 'p',
        accessToken: 't',
        serviceAccount: { client_email: 'a@p.iam.gserviceaccount.com', private_key: 'k' },
      }).success,
    ).toBe(false);
    expect(fcmChannel.configSchema.safeParse({ projectId: 'p', accessToken: 't' }).success).toBe(true);
  });
});

// Any other self-signed certificate: the fake's is not signed by it.
const OTHER_CA = `-----BEGIN CERTIFICATE-----
MIIBkjCCATmgAwIBAgIUNiO3VAJG+/vjJikwe9jNBPCekuswCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUdmVyaXR5LXRlc3Qtb3RoZXItY2EwHhcNMjYxMTIzMTUwMDQ4
WhcNMzYxMTIwMTUwMDQ4WjAfMR0wGwYDVQQDDBR2ZXJpdHktdGVzdC1vdGhlci1j
YTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEyoXnsn4uB94Xl30VHa2Do6zObi
hy7i5KRfwrGR3K9+G4XAhi+hygtXHJAQ5iEZCAX3Xjrkf7+JRna51QY45x2jUzBR
MB0GA1UdDgQWBBTESGyanuqKTgYws/PL6MPSAbfoxzAfBgNVHSMEGDAWgBTESGya
nuqKTgYws/PL6MPSAbfoxzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cA
MEQCIGQ0kLp5XVgDDcDJ/HW74bPPCoR15bL/wARfBjEfBcLlAiBnGHHOv3ZXcwK8
XSohsGeERXAWEjUC6NQnS16aBy/4Cw==
-----END CERTIFICATE-----`;
