import { QueueName } from '@verity/queues';
import { HousekeepingProcessor } from './housekeeping/housekeeping.processor.js';
import { processors, processorsFor } from './registry.js';

describe(processorsFor.name, () => {
  it('finds the one processor of each queue', () => {
    expect(processorsFor([QueueName.Housekeeping]).map((e) => e.processor)).toEqual([HousekeepingProcessor]);
  });

  it('refuses to boot when a queue has no processor', () => {
    expect(() => processorsFor([QueueName.Housekeeping], [])).toThrow(
      'queue "housekeeping" has no processor',
    );
  });

  it('refuses to boot when a queue has two processors', () => {
    expect(() => processorsFor([QueueName.Housekeeping], [...processors, ...processors])).toThrow(
      'queue "housekeeping" has 2 processors',
    );
  });
});
