import { z } from 'zod';
import { schemas, secretNames, type Concern } from './schema.js';

type Shape<C extends Concern> = z.output<(typeof schemas)[C]>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
export type Config<C extends Concern> = UnionToIntersection<Shape<C>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Verity cannot start: the environment is not valid.\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Reads the named concerns from the environment, failing with one line per missing or bad variable. */
export function loadConfig<C extends Concern>(
  concerns: readonly C[],
  env: Record<string, string | undefined> = process.env,
): Config<C> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const concern of concerns) {
    const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    const result = schemas[concern].safeParse(cleaned);
    if (result.success) {
      Object.assign(out, result.data);
      continue;
    }
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? concern);
      const given = env[name];
      const message = given === undefined || given === '' ? describeMissing(issue) : issue.message;
      problems.push(`${name}: ${message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return out as Config<C>;
}

function describeMissing(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_type' ? 'is required but not set' : issue.message;
}

/** The configuration as it may be shown in logs or a start-up banner: secrets replaced. */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secretNames.has(k) ? '[secret]' : v]));
}
