import { type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { jsonSchemaOf } from '../openapi/operation.js';
import { problems } from './problem.js';

/** Validates a body, query or parameter against a zod schema; every bad field is named in the 400. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.output<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.output<T> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw problems.validation(
      result.error.issues.flatMap((issue) => {
        const path = issue.path.map(String);
        return issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({
              field: [...path, key].join('.'),
              message: 'is not a field of this request',
            }))
          : [{ field: path.join('.'), message: issue.message }];
      }),
    );
  }
}

/** The OpenAPI description of a body that ZodPipe validates: the same schema, as the client writes it. */
export const bodyDoc = (schema: z.ZodType) => ({ schema: jsonSchemaOf(schema, 'input') });
