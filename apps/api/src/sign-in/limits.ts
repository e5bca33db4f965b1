import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { DomainError } from '../problem/problem.js';

/**
 * Attempt limits kept in Redis, across every API process: sign-ins per username and per address, answers per
 * account. When Redis cannot answer, the attempt is refused: nothing is ever checked without its limits.
 */
export class AttemptLimits {
  private readonly passwordsPerUsername: RateLimiterRedis;
  private readonly passwordsPerIp: RateLimiterRedis;
  private readonly answersPerAccount: RateLimiterRedis;

  constructor(redis: Redis) {
    const common = { storeClient: redis, useRedisPackage: false, inMemoryBlockOnConsumed: 0 };
    this.passwordsPerUsername = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:pwd:user',
      points: 20,
      duration: 300,
    });
    this.passwordsPerIp = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:pwd:ip',
      points: 300,
      duration: 300,
    });
    this.answersPerAccount = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:answer',
      points: 60,
      duration: 300,
    });
  }

  async password(tenantId: string, username: string, ip: string | undefined): Promise<void> {
    await consume(this.passwordsPerUsername, `${tenantId}:${username}`);
    if (ip) await consume(this.passwordsPerIp, `${tenantId}:${ip}`);
  }

  answer(tenantId: string, accountId: string): Promise<void> {
    return consume(this.answersPerAccount, `${tenantId}:${accountId}`);
  }
}

async function consume(limiter: RateLimiterRedis, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (result) {
    if (result instanceof RateLimiterRes) {
      const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      throw new DomainError(
        429,
        'too-many-attempts',
        'Too many attempts',
        `Too many attempts. Try again in ${seconds} seconds.`,
      ).retryAfter(seconds);
    }
    throw new DomainError(
      503,
      'unavailable',
      'Try again shortly',
      'We cannot check this right now. Try again in a moment.',
    );
  }
}
