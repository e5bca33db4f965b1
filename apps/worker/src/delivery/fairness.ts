import type { Redis } from 'ioredis';

// One atomic step: take a slot for this organisation unless it already holds its share.
const TAKE = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1`;

/**
 * Per-organisation fairness: an organisation may have at most `share` deliveries of one queue in flight
 * across all workers (0: no limit), so one organisation's flood (a mass password reset) never starves the others.
 * Counters expire with the job lock, so a crashed worker's slots come back by themselves.
 */
export class Fairness {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly share: number,
    private readonly ttlMs: number,
  ) {}

  private key(queue: string, tenantId: string): string {
    return `${this.prefix}:fair:${queue}:${tenantId}`;
  }

  async take(queue: string, tenantId: string): Promise<boolean> {
    if (this.share <= 0) return true;
    return (await this.redis.eval(TAKE, 1, this.key(queue, tenantId), this.share, this.ttlMs)) === 1;
  }

  async give(queue: string, tenantId: string): Promise<void> {
    if (this.share <= 0) return;
    await this.redis.decr(this.key(queue, tenantId));
  }

  close(): Promise<unknown> {
    return this.redis.quit();
  }
}
