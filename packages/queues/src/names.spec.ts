import { channelKinds } from '@verity/channel-sdk';
import { HOUSEKEEPING, allQueues, parseQueueList, queueConfig } from './names.js';
import { envelope, purgeExpiredJob } from './envelope.js';

describe(parseQueueList.name, () => {
  it('serves every queue when WORKER_QUEUES is empty', () => {
    expect(parseQueueList('')).toEqual(allQueues);
  });

  it('serves only the named queues, once each', () => {
    expect(parseQueueList(' housekeeping, housekeeping')).toEqual([HOUSEKEEPING]);
  });

  it('refuses an unknown queue by name', () => {
    expect(() => parseQueueList('housekeeping,fax')).toThrow(/unknown queues: fax/);
  });

  it('names one queue per channel kind, so each can be scaled apart', () => {
    expect(parseQueueList('sms,voice')).toEqual(['sms', 'voice']);
  });

  it('has one delivery queue per channel kind, named after it, besides housekeeping', () => {
    expect(allQueues).toEqual([HOUSEKEEPING, ...channelKinds]);
  });

  it('has settings for every queue', () => {
    for (const name of allQueues) expect(queueConfig[name].attempts).toBeGreaterThan(0);
  });
});

describe('job envelopes', () => {
  const tenantId = '3f1c1f3e-8a51-4a43-9d8b-6d3f5b8f0a11';

  it('accepts a well-formed envelope', () => {
    expect(purgeExpiredJob.parse(envelope(tenantId, 'c-1', { olderThanMinutes: 60 }))).toBeTruthy();
  });

  it('refuses a job without an organisation, or with extra fields', () => {
    expect(
      purgeExpiredJob.safeParse({ correlationId: 'c', version: 1, data: { olderThanMinutes: 1 } }).success,
    ).toBe(false);
    expect(
      purgeExpiredJob.safeParse({
        ...envelope(tenantId, 'c', { olderThanMinutes: 1 }),
        phone: '+447700900123',
      }).success,
    ).toBe(false);
  });
});
