import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, REDIS } from '../infra/infra.module.js';
import { DomainError } from '../problem/problem.js';
import { z } from 'zod';
import { Operation, Problems, Responds } from '../openapi/operation.js';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** The process is up (for a liveness probe: restart me if this fails). */
  @Get('live')
  @Operation('getLiveness', 'Whether the process is up (liveness probe)')
  @Responds(200, z.object({ status: z.literal('ok') }))
  live() {
    return { status: 'ok' };
  }

  /** Postgres and Redis answer (for a readiness probe: send me traffic only if this passes). */
  @Get('ready')
  @Operation('getReadiness', 'Whether Postgres and Redis answer (readiness probe)')
  @Responds(
    200,
    z.object({
      status: z.literal('ok'),
      checks: z.object({ postgres: z.literal('ok'), redis: z.literal('ok') }),
    }),
  )
  @Problems({ 503: ['not-ready'] })
  async ready() {
    const [postgres, redis] = await Promise.allSettled([
      within(2000, this.dataSource.query('SELECT 1')),
      within(2000, this.redis.ping()),
    ]);
    const checks = {
      postgres: postgres.status === 'fulfilled' ? 'ok' : 'down',
      redis: redis.status === 'fulfilled' ? 'ok' : 'down',
    };
    if (checks.postgres !== 'ok' || checks.redis !== 'ok') {
      const down = Object.entries(checks)
        .filter(([, v]) => v !== 'ok')
        .map(([k]) => k);
      throw new DomainError(503, 'not-ready', 'Not ready', `Not ready: ${down.join(' and ')} unreachable.`);
    }
    return { status: 'ok', checks };
  }
}
