import { ChannelError } from './errors.js';
import type { Channel } from './channel.js';
import type { OutboundMessage } from './message.js';

/** A request the provider fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON or form body. */
  body: unknown;
}

/** What every provider fake offers the contract suite. */
export interface FakeProvider {
  requests(): RecordedRequest[];
  reset(): void;
  /** The next `times` requests get this answer instead of success. */
  failNext(times: number, answer: { status: number; body?: unknown; headers?: Record<string, string> }): void;
}

export interface ContractSetup {
  channel: Channel;
  fake: FakeProvider;
  message: OutboundMessage;
  /** How this provider says a recipient can never be reached (e.g. Twilio 21211, FCM UNREGISTERED). */
  permanentFailure: { status: number; body?: unknown };
  permanentCode: 'invalid_recipient' | 'unregistered_device' | 'rejected';
}

/** The suite every channel passes against its provider fake. Call it inside a test file. */
export function describeChannelContract(
  name: string,
  setup: () => Promise<ContractSetup>,
  teardown?: () => Promise<void>,
): void {
  describe(`${name} channel contract`, () => {
    let s: ContractSetup;
    beforeAll(async () => {
      s = await setup();
    });
    beforeEach(() => s.fake.reset());
    if (teardown) afterAll(teardown);

    it('sends one request and returns the provider message id', async () => {
      const result = await s.channel.send(s.message);
      expect(result.providerMessageId).toEqual(expect.any(String));
      expect(result.providerMessageId.length).toBeGreaterThan(0);
      expect(s.fake.requests()).toHaveLength(1);
    });

    it('reports 503 as retryable "unavailable"', async () => {
      s.fake.failNext(1, { status: 503, body: { message: 'down' } });
      const error = await s.channel.send(s.message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ code: 'unavailable', retryable: true });
    });

    it('reports 429 as retryable "rate_limited" with the Retry-After it was given', async () => {
      s.fake.failNext(1, { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '7' } });
      const error = (await s.channel.send(s.message).catch((e: unknown) => e)) as ChannelError;
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ code: 'rate_limited', retryable: true });
      expect(error.retryAfterMs).toBe(7000);
    });

    it('reports a recipient that can never be reached as permanent', async () => {
      s.fake.failNext(1, s.permanentFailure);
      const error = await s.channel.send(s.message).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect(error).toMatchObject({ code: s.permanentCode, retryable: false });
    });

    it('never puts the message content in an error', async () => {
      s.fake.failNext(1, { status: 500, body: { message: 'boom' } });
      const error = (await s.channel.send(s.message).catch((e: unknown) => e)) as Error;
      const content = JSON.stringify(s.message.content);
      expect(String(error.message)).not.toContain(content);
    });
  });
}
