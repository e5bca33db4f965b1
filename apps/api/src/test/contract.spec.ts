import type { OpenAPIObject } from '@nestjs/swagger';
import { ContractCheck } from './contract.js';

const problem = {
  description: 'Problem',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const document = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  components: {
    schemas: {
      Problem: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
    },
  },
  paths: {
    '/things/{id}': {
      get: {
        operationId: 'getThing',
        responses: {
          200: {
            description: 'ok',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id'],
                  properties: { id: { type: 'string', format: 'uuid' } },
                  additionalProperties: false,
                },
              },
            },
          },
          404: problem,
        },
      },
    },
    '/things/mine': { get: { operationId: 'getMyThing', responses: { 204: { description: 'none' } } } },
  },
} as unknown as OpenAPIObject;

const json = (body: unknown) => ({ contentType: 'application/json', body, text: JSON.stringify(body) });
const check = new ContractCheck(document);
const id = '4f1b2a3c-5d6e-4f70-8a9b-0c1d2e3f4a5b';

describe('ContractCheck', () => {
  it('passes an answer the document describes', () => {
    expect(check.check('GET', `/things/${id}?x=1`, { status: 200, ...json({ id }) })).toEqual([]);
    expect(
      check.check('GET', `/things/${id}`, {
        status: 404,
        contentType: 'application/problem+json; charset=utf-8',
        body: { code: 'not-found' },
        text: '{"code":"not-found"}',
      }),
    ).toEqual([]);
    expect(
      check.check('GET', '/things/mine', { status: 204, contentType: '', body: undefined, text: '' }),
    ).toEqual([]);
  });

  it('finds a status the operation does not document, a body that does not validate and a wrong content type', () => {
    expect(check.check('GET', `/things/${id}`, { status: 409, ...json({ code: 'stale' }) })).toEqual([
      expect.objectContaining({
        operationId: 'getThing',
        problem: expect.stringMatching(/409 is not documented/),
      }),
    ]);
    expect(check.check('GET', `/things/${id}`, { status: 200, ...json({ id: 'nope', extra: 1 }) })).toEqual([
      expect.objectContaining({ problem: expect.stringMatching(/does not validate/) }),
    ]);
    expect(check.check('GET', `/things/${id}`, { status: 404, ...json({ code: 'not-found' }) })).toEqual([
      expect.objectContaining({ problem: expect.stringMatching(/content type application\/json/) }),
    ]);
    expect(check.check('GET', '/things/mine', { status: 204, ...json({ id }) })).toEqual([
      expect.objectContaining({
        operationId: 'getMyThing',
        problem: expect.stringMatching(/a body where none/),
      }),
    ]);
  });

  it('leaves alone what the document does not name', () => {
    expect(
      check.check('GET', '/metrics', { status: 200, contentType: 'text/plain', body: undefined, text: 'x' }),
    ).toEqual([]);
  });

  it('fails the test for a checked operation', () => {
    expect(() =>
      check.enforce([{ operationId: 'getSignIn', status: 418, problem: 'status 418 is not documented' }]),
    ).toThrow(/does not match the OpenAPI document/);
    expect(() => check.enforce([{ operationId: 'notListed', status: 418, problem: 'x' }])).not.toThrow();
  });
});
