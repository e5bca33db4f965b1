import { ChannelError, type Channel, type EmailContent, type OutboundMessage } from '@verity/channel-sdk';
import { describeChannelContract } from '@verity/channel-sdk/contract';
import { sendGridErrorBody, startSendGridFake, type SendGridFake } from '@verity/testing';
import { sendGridChannel } from './index.js';

const API_KEY = 'SG.fake-test-key';
const FROM = { email: 'mfa@leedsth.nhs.uk', name: 'Leeds Teaching Hospitals' };

function message(): OutboundMessage<EmailContent> {
  return {
    deliveryId: 'dlv_1',
    tenantId: 'tnt_1',
    idempotencyKey: 'dlv_1',
    to: 'alice@example.nhs.uk',
    content: { kind: 'email', subject: 'Your reset code', text: 'Code: 654321', html: '<p>Code: 654321</p>' },
  };
}

function channelFor(fake: SendGridFake, extra: Record<string, unknown> = {}): Channel {
  return sendGridChannel.create(
    sendGridChannel.configSchema.parse({ apiKey: API_KEY, from: FROM, apiBaseUrl: fake.url, ...extra }),
  );
}

let contractFake: SendGridFake;
describeChannelContract(
  'sendgrid',
  async () => {
    contractFake = await startSendGridFake({ apiKey: API_KEY });
    return {
      channel: channelFor(contractFake),
      fake: contractFake,
      message: message(),
      permanentFailure: {
        status: 400,
        body: sendGridErrorBody('Does not contain a valid address.', 'personalizations.0.to.0.email'),
      },
      permanentCode: 'invalid_recipient',
    };
  },
  () => contractFake.close(),
);

describe('sendgrid channel through @sendgrid/mail', () => {
  let fake: SendGridFake;
  let channel: Channel;

  beforeAll(async () => {
    fake = await startSendGridFake({ apiKey: API_KEY });
    channel = channelFor(fake, { replyTo: { email: 'it-servicedesk@leedsth.nhs.uk' }, timeoutMs: 500 });
  });
  beforeEach(() => fake.reset());
  afterAll(() => fake.close());

  it('posts a v3 mail from the organisation sender and returns X-Message-Id', async () => {
    const result = await channel.send(message());

    const [request, ...others] = fake.requests();
    expect(others).toHaveLength(0);
    expect(request).toMatchObject({ method: 'POST', path: '/v3/mail/send' });
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect(request?.body).toEqual({
      from: FROM,
      reply_to: { email: 'it-servicedesk@leedsth.nhs.uk' },
      subject: 'Your reset code',
      personalizations: [{ to: [{ email: 'alice@example.nhs.uk' }] }],
      content: [
        { type: 'text/plain', value: 'Code: 654321' },
        { type: 'text/html', value: '<p>Code: 654321</p>' },
      ],
      custom_args: { delivery_id: 'dlv_1', tenant_id: 'tnt_1', idempotency_key: 'dlv_1' },
    });
    expect(result.providerMessageId).toMatch(/^fake\d{6}[0-9a-f]{12}$/);
  });

  it('sends a dynamic template with the content as template data', async () => {
    const templated = channelFor(fake, { templateId: 'd-0123456789abcdef' });
    await templated.send(message());
    expect(fake.requests()[0]?.body).toMatchObject({
      template_id: 'd-0123456789abcdef',
      personalizations: [
        {
          to: [{ email: 'alice@example.nhs.uk' }],
          dynamic_template_data: {
            subject: 'Your reset code',
            text: 'Code: 654321',
            html: '<p>Code: 654321</p>',
          },
        },
      ],
    });
  });

  it.each([
    [401, 'invalid_config', false],
    [403, 'invalid_config', false],
    [413, 'rejected', false],
    [500, 'unavailable', true],
  ])('reports HTTP %i as %s', async (status, code, retryable) => {
    fake.failNext(1, { status });
    const error = await channel.send(message()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ code, retryable });
  });

  it('reports a wrong API key as "invalid_config"', async () => {
    const wrong = channelFor(fake, { apiKey: 'SG.not-this-one' });
    await expect(wrong.send(message())).rejects.toMatchObject({ code: 'invalid_config', retryable: false });
  });

  it('gives up on a provider that does not answer with a retryable "timeout"', async () => {
    fake.hangNext(1);
    await expect(channel.send(message())).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });

  it('keeps the address and the content out of error messages', async () => {
    fake.failNext(1, {
      status: 400,
      body: sendGridErrorBody(
        'Does not contain a valid address: alice@example.nhs.uk',
        'personalizations.0.to.0.email',
      ),
    });
    const error = (await channel.send(message()).catch((e: unknown) => e)) as ChannelError;
    expect(error.code).toBe('invalid_recipient');
    expect(error.message).not.toContain('alice');
    expect(error.message).not.toContain('654321');
  });
});

describe('sendgrid config', () => {
  it('wants a SendGrid key and a sender address', () => {
    const parse = (c: unknown) => sendGridChannel.configSchema.safeParse(c).success;
    expect(parse({ apiKey: 'SG.x', from: { email: 'mfa@leedsth.nhs.uk' } })).toBe(true);
    expect(parse({ apiKey: 'abc', from: { email: 'mfa@leedsth.nhs.uk' } })).toBe(false);
    expect(parse({ apiKey: 'SG.x', from: { email: 'not an address' } })).toBe(false);
  });
});
