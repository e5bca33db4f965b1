import { ChannelRegistry } from '@verity/channel-sdk';
import { sandbox } from './index.js';

describe('sandbox channel', () => {
  it('serves any kind named in its config and answers with an id derived from the delivery', async () => {
    const channel = new ChannelRegistry([sandbox]).create('sandbox', { kind: 'voice' });
    expect(channel.kind).toBe('voice');
    const result = await channel.send({
      deliveryId: 'd-1',
      tenantId: 't',
      idempotencyKey: 'k',
      to: '+447700900123',
      content: { kind: 'voice', instructionsUrl: 'https://x/y' },
    });
    expect(result.providerMessageId).toBe('sandbox-d-1');
  });

  it('refuses a kind it does not know', () => {
    expect(() => new ChannelRegistry([sandbox]).create('sandbox', { kind: 'fax' })).toThrow(/kind/);
  });
});
