import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { Tenancy, type TenantScope } from '@verity/db';
import { onboard, startApi, type TestApi } from '../test/api.js';

describe('log lines of a request', () => {
  let api: TestApi;
  const logs: Record<string, unknown>[] = [];
  const run = Tenancy.prototype.run;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).trim().split('\n'))
          logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    api = await startApi({ LOG_LEVEL: 'info' }, sink);
    // a line written deep inside each request, wherever an organisation's data is reached
    Tenancy.prototype.run = function <T>(
      this: Tenancy,
      tenantId: string,
      work: (scope: TenantScope) => Promise<T>,
    ) {
      new Logger('Probe').log(`a tenant scope of ${tenantId}`);
      return run.call(this, tenantId, work) as Promise<T>;
    };
  });
  afterAll(async () => {
    Tenancy.prototype.run = run;
    await api.close();
  });

  it("carry the organisation of the key and the request's x-request-id, with many requests at once", async () => {
    const organisations = await Promise.all([onboard(api, 'logs-a'), onboard(api, 'logs-b')]);
    const requests = Array.from({ length: 20 }, (_, i) => ({
      organisation: organisations[i % 2]!,
      requestId: `log-context-${process.pid}-${i}`,
    }));
    const answers = await Promise.all(
      requests.map(({ organisation, requestId }) =>
        api.request({
          method: 'POST',
          url: '/v1/accounts',
          key: organisation.key,
          body: { username: `${requestId}@example.nhs.uk`, displayName: 'Log Context' },
          headers: { 'x-request-id': requestId },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(requests.map(() => 201));
    for (const { organisation, requestId } of requests) {
      const lines = logs.filter((line) => line.correlationId === requestId);
      // the key's own check reaches the organisation first; the handler's work after it knows the organisation
      const probe = lines.filter((line) => line.context === 'Probe').at(-1);
      expect(probe).toMatchObject({
        tenantId: organisation.tenantId,
        msg: `a tenant scope of ${organisation.tenantId}`,
      });
      const answered = lines.find((line) => String(line.msg).startsWith('POST /v1/accounts 201'));
      expect(answered).toMatchObject({ tenantId: organisation.tenantId, requestId });
    }
  });
});
