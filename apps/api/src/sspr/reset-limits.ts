import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { DomainError } from '../problem/problem.js';

const HOUR = 3600;
const DAY = 86_400;

/**
 * Throttles of password reset, in Redis across every API process, so nobody can flood a person's phone or
 * inbox or walk an organisation's usernames: resets begun per username (the policy's `sspr.attemptsPerDay`),
 * per address and per organisation, and codes, calls and notifications sent per username. They count unknown
 * usernames exactly as known ones. When Redis cannot answer, the reset is refused.
 */
export class ResetLimits {
  private readonly perUsername: RateLimiterRedis;
  private readonly perIp: RateLimiterRedis;
  private readonly perOrganisation: RateLimiterRedis;
  private readonly sendsPerUsername: RateLimiterRedis;

  constructor(redis: Redis) {
    const common = { storeClient: redis, useRedisPackage: false, inMemoryBlockOnConsumed: 0 };
    // the policy may allow up to 50 a day; the organisation's own figure is checked against what was consumed
    this.perUsername = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:reset:user',
      points: 50,
      duration: DAY,
    });
    this.perIp = new RateLimiterRedis({ ...common, keyPrefix: 'limit:reset:ip', points: 30, duration: HOUR });
    this.perOrganisation = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:reset:org',
      points: 2000,
      duration: HOUR,
    });
    this.sendsPerUsername = new RateLimiterRedis({
      ...common,
      keyPrefix: 'limit:reset:send',
      points: 10,
      duration: HOUR,
    });
  }

  /** A reset begun: refused once the username has begun `perDay` today, or the address or organisation too many. */
  async begin(tenantId: string, username: string, ip: string | undefined, perDay: number): Promise<void> {
    const used = await consume(this.perUsername, `${tenantId}:${username}`);
    if (used > perDay) throw tooMany(DAY);
    if (ip) await consume(this.perIp, `${tenantId}:${ip}`);
    await consume(this.perOrganisation, tenantId);
  }

  /** A code, call or notification asked for (sent or not: an unknown username counts the same). */
  async send(tenantId: string, username: string): Promise<void> {
    await consume(this.sendsPerUsername, `${tenantId}:${username}`);
  }
}

const tooMany = (seconds: number) =>
  new DomainError(
    429,
    'too-many-attempts',
    'Too many attempts',
    'There have been too many attempts to reset this password. Try again later, or contact your local helpdesk.',
  ).retryAfter(seconds);

async function consume(limiter: RateLimiterRedis, key: string): Promise<number> {
  try {
    return (await limiter.consume(key)).consumedPoints;
  } catch (result) {
    if (result instanceof RateLimiterRes) throw tooMany(result.msBeforeNext / 1000);
    throw new DomainError(
      503,
      'unavailable',
      'Try again shortly',
      'We cannot check this right now. Try again in a moment.',
    );
  }
}
