import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { showRequiredScopes } from '../auth/openapi-scopes.js';
import { PROBLEMS_EXTENSION, jsonSchemaOf } from './operation.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Every problem+json body (RFC 9457) this API sends; `code` is what a client branches on. */
export const problemSchema = z
  .object({
    type: z.string().describe('`urn:verity:problem:` and the code'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().describe('Safe to show to staff'),
    code: z.string().describe('Machine-readable; the operation lists the codes it can give'),
    errors: z
      .array(
        z.object({
          field: z.string().describe('Dotted path of the bad field; "" for the body itself'),
          message: z.string(),
        }),
      )
      .optional()
      .describe('Each bad field (validation-failed, policy-invalid)'),
    reasons: z
      .array(z.object({ code: z.string(), message: z.string() }).loose())
      .optional()
      .describe('Why a rule refused the request, each with a machine-readable code (and what it is about)'),
    retryAfterSeconds: z.number().int().min(1).optional().describe('Also sent as Retry-After'),
  })
  .loose()
  .meta({ title: 'Problem' });

/** The areas of the API, in the order a reader meets them. */
const TAGS: { name: string; description: string }[] = [
  {
    name: 'sign-in',
    description: 'Password, then the second factor the policy asks for, then a signed result',
  },
  { name: 'sessions', description: 'Portal sessions, sign-out and step-up' },
  {
    name: 'authenticator devices',
    description: 'The authenticator app, authenticated by its own device key',
  },
  { name: 'app passwords', description: 'App passwords for legacy clients, and their verification' },
  { name: 'security info', description: "A signed-in person's own methods" },
  { name: 'security info (administrators)', description: "An administrator's view of a person's methods" },
  { name: 'password reset', description: 'Self-service password reset with two checks and writeback' },
  {
    name: 'organisation',
    description: 'The organisation, its people, policy, channels, deliveries and directory',
  },
  { name: 'sandbox', description: 'The developer inbox of messages the sandbox channel kept' },
  { name: 'operator', description: "The operator's API (the operator key)" },
  { name: 'health', description: 'Liveness and readiness probes' },
];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { in: string }[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { description: string; content?: Record<string, unknown> } & Record<string, unknown>
  >;
  [PROBLEMS_EXTENSION]?: Record<string, string[]>;
};

/** `SignInController.start` → `startSignIn`: used only where a route names no operationId of its own. */
const operationIdOf = (controller: string, method: string) =>
  `${method}${controller.replace(/Controller$/, '')}`;

/** The OpenAPI 3.1 document of the API: built from the controllers' decorators, then completed (see below). */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Verity API')
      .setDescription(
        'MFA and self-service password reset shared by NHS organisations. Errors are RFC 9457 problem+json ' +
          '(the `Problem` schema); each operation lists the codes it can give, by status, in `x-problem-codes`.',
      )
      .setVersion('0.1.0')
      .setLicense('MIT', 'https://opensource.org/license/mit')
      .addServer('/', 'This server')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "The operator's key (OPERATOR_API_KEY)" })
      .build(),
    { operationIdFactory: operationIdOf },
  );
  showRequiredScopes(document);
  completeDocument(document);
  return document;
}

/**
 * What every operation of a kind can answer, added here rather than on each route: any operation can meet a
 * database or Redis that is down (503) or a fault (500); one with a key can meet a wrong one (401) and an
 * organisation key one without the scope (403); one that takes input can meet bad input (400), and a body
 * too large (413) or not JSON (415).
 */
function commonProblems(operation: Operation): Record<string, string[]> {
  const common: Record<string, string[]> = { 500: ['internal'], 503: ['unavailable'] };
  const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
  if (schemes.length > 0) common[401] = ['unauthorised'];
  if (schemes.includes('organisationKey')) common[403] = ['insufficient-scope'];
  const takesInput = operation.requestBody !== undefined || (operation.parameters ?? []).length > 0;
  if (takesInput) common[400] = ['validation-failed', 'invalid-value'];
  if (operation.requestBody !== undefined) {
    // http-400 and http-413: what a body that Fastify refuses before Nest (a __proto__ key, too large for
    // rawBody) is answered with today
    common[400] = [...common[400]!, 'malformed-body', 'http-400'];
    common[413] = ['body-too-large', 'http-413'];
    common[415] = ['unsupported-media-type'];
  }
  return common;
}

/**
 * Completes what the decorators leave out: the shared Problem schema, each operation's problem+json answers
 * (its own from `@Problems` and the common ones) with the codes each status can carry, `security: []` where
 * an operation needs no key, and the tag list.
 */
function completeDocument(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: jsonSchemaOf(problemSchema, 'output') as never,
  };
  document.tags = TAGS;
  for (const item of Object.values(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      operation.security ??= [];
      const own = operation[PROBLEMS_EXTENSION] ?? {};
      delete operation[PROBLEMS_EXTENSION];
      const byStatus = commonProblems(operation);
      for (const [status, codes] of Object.entries(own))
        byStatus[status] = [...(byStatus[status] ?? []), ...codes];
      for (const [status, codes] of Object.entries(byStatus)) {
        const unique = [...new Set(codes)].sort();
        operation.responses[status] = {
          description: `Problem: ${unique.map((c) => `\`${c}\``).join(', ')}`,
          'x-problem-codes': unique,
          content: {
            [PROBLEM_MEDIA_TYPE]: {
              schema: {
                allOf: [
                  { $ref: '#/components/schemas/Problem' },
                  { properties: { code: { enum: unique }, status: { const: Number(status) } } },
                ],
              },
            },
          },
        };
      }
    }
  }
}
