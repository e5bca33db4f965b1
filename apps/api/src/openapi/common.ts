import { z } from 'zod';

/** Building blocks of response schemas: what JSON.stringify makes of ids and dates. */
export const id = z.uuid();
export const timestamp = z.iso.datetime();
export const nullableTimestamp = timestamp.nullable();
