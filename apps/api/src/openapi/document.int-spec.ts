import type { OpenAPIObject } from '@nestjs/swagger';
import { startApi, type TestApi } from '../test/api.js';
import { CHECKED_OPERATIONS } from '../test/checked-operations.js';

type Operation = {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
};

describe('the OpenAPI document', () => {
  let api: TestApi;
  let document: OpenAPIObject;

  beforeAll(async () => {
    api = await startApi();
    document = (await api.request({ method: 'GET', url: '/docs/openapi.json' })).body as OpenAPIObject;
  });
  afterAll(() => api.close());

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>).map(([method, op]) => ({
        name: `${method} ${path}`,
        op,
      })),
    );

  it('is OpenAPI 3.1.0, whose schemas are the JSON Schema 2020-12 that zod writes', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components?.schemas?.Problem).toBeDefined();
  });

  it('names, tags and secures every operation, with its success and problem+json answers', () => {
    const incomplete: string[] = [];
    for (const { name, op } of operations()) {
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => s.startsWith('2'));
      const problems = statuses.filter((s) => /^[45]/.test(s));
      if (!op.operationId || !/^[a-z][a-zA-Z]+$/.test(op.operationId))
        incomplete.push(`${name}: operationId`);
      if (!op.summary) incomplete.push(`${name}: summary`);
      if (!op.tags?.length) incomplete.push(`${name}: tags`);
      if (!op.security) incomplete.push(`${name}: security`);
      if (success.length === 0) incomplete.push(`${name}: no success answer`);
      for (const status of success) {
        if (status !== '204' && !op.responses[status]!.content?.['application/json'])
          incomplete.push(`${name}: ${status} has no schema`);
      }
      for (const status of problems) {
        if (!op.responses[status]!.content?.['application/problem+json'])
          incomplete.push(`${name}: ${status} is not problem+json`);
      }
    }
    expect(incomplete).toEqual([]);
    expect(operations().length).toBeGreaterThan(80);
  });

  it('has every operation in the contract check, so each answer the tests receive is held to it', () => {
    const ids = operations().map(({ op }) => op.operationId!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !CHECKED_OPERATIONS.has(id))).toEqual([]);
  });
});
