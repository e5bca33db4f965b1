import { channelKinds } from '@verity/channel-sdk';
import { HOUSEKEEPING } from '@verity/queues';
import { DeliveryProcessor } from './delivery/delivery.processor.js';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor.js';
import { processors, processorsFor } from './registry.js';

describe(processorsFor.name, () => {
  it('finds the one processor of each queue', () => {
    expect(processorsFor([HOUSEKEEPING]).map((e) => e.processor)).toEqual([HousekeepingProcessor]);
  });

  it("serves every channel kind's queue with the one DeliveryProcessor, each with its own options", () => {
    const queues = [...channelKinds];
    const chosen = processorsFor(queues);
    expect(chosen.map((e) => e.queue)).toEqual(queues);
    expect(new Set(chosen.map((e) => e.processor))).toEqual(new Set([DeliveryProcessor]));
    expect(new Set(chosen.map((e) => e.options)).size).toBe(queues.length);
  });

  it('refuses to boot when a queue has no processor', () => {
    expect(() => processorsFor([HOUSEKEEPING], [])).toThrow('queue "housekeeping" has no processor');
  });

  it('refuses to boot when a queue has two processors', () => {
    expect(() => processorsFor([HOUSEKEEPING], [...processors, ...processors])).toThrow(
      'queue "housekeeping" has 2 processors',
    );
  });
});
