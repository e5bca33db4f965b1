import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

/** The extension that carries an operation's problem codes by status until the document is completed. */
export const PROBLEMS_EXTENSION = 'x-problems';

/** A zod schema as the JSON Schema (2020-12, which OpenAPI 3.1 uses) of what the client sends or receives. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return json;
}

/**
 * Names an operation for readers and generators: a unique camelCase operationId (verb first, e.g. `startSignIn`)
 * and a one-line summary.
 */
export const Operation = (operationId: string, summary: string, description?: string) =>
  ApiOperation({ operationId, summary, ...(description ? { description } : {}) });

/**
 * A success response: its status and the zod schema of its JSON body (none for 204). The integration tests
 * validate every answer against the document, so the schema is held to what the runtime sends.
 */
export const Responds = (status: number, schema?: z.ZodType, description = 'Success') =>
  ApiResponse({
    status,
    description,
    ...(schema ? { content: { 'application/json': { schema: jsonSchemaOf(schema, 'output') } } } : {}),
  });

/**
 * The problem+json answers an operation gives besides the ones every operation of its kind can give (see
 * document.ts), by status: `@Problems({ 404: ['not-found'], 409: ['stale'] })`.
 */
export const Problems = (byStatus: Record<number, readonly string[]>) =>
  applyDecorators(ApiExtension(PROBLEMS_EXTENSION, byStatus));

/** A path parameter whose type the route's ZodPipe sets (Nest documents the others as strings by itself). */
export const PathParam = (name: string, schema: z.ZodType) =>
  ApiParam({ name, required: true, schema: jsonSchemaOf(schema, 'input') as never });

/** The query parameters a route's ZodPipe takes, one per field of its (object) schema. */
export const QueryParams = (schema: z.ZodObject) => {
  const { properties = {}, required = [] } = jsonSchemaOf(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return applyDecorators(
    ...Object.entries(properties).map(([name, property]) =>
      ApiQuery({ name, required: required.includes(name), schema: property as never }),
    ),
  );
};
