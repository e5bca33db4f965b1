import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { Ajv2020 as Ajv, ValidateFunction } from 'ajv/dist/2020.js';
import type { FormatsPlugin } from 'ajv-formats';
import { CHECKED_OPERATIONS } from './checked-operations.js';

// both are CommonJS: required, so their exports are what their types say
const require = createRequire(import.meta.url);
const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv };
const addFormats = require('ajv-formats') as FormatsPlugin;

/** One answer that the OpenAPI document does not describe. */
export interface ContractFinding {
  operationId: string;
  status: number;
  problem: string;
}

interface Route {
  method: string;
  pattern: RegExp;
  params: number;
  path: string;
  operationId: string;
}

const pointer = (...parts: string[]) =>
  `openapi.json#/${parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;

/**
 * Holds each answer the tests receive to the OpenAPI document: its status must be one the operation documents,
 * its content type the documented one, and its body must validate against the documented schema (JSON Schema
 * 2020-12, as OpenAPI 3.1 has it). Operations in CHECKED_OPERATIONS fail the test that received the answer; for
 * the others, OPENAPI_REPORT=file appends what it finds there, one JSON line each (collect mode).
 */
export class ContractCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly routes: Route[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, 'openapi.json');
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item as Record<string, { operationId?: string }>)) {
        if (!operation?.operationId) continue;
        const params = (path.match(/\{[^}]+\}/g) ?? []).length;
        const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+');
        this.routes.push({
          method: method.toUpperCase(),
          pattern: new RegExp(`^${source}$`),
          params,
          path,
          operationId: operation.operationId,
        });
      }
    }
    // the most literal path first: /v1/session/sessions before /v1/session/{x}
    this.routes.sort((a, b) => a.params - b.params);
  }

  /** What is wrong with this answer, by the document; [] when it is described. */
  check(
    method: string,
    url: string,
    answer: { status: number; contentType: string; body: unknown; text: string },
  ): ContractFinding[] {
    const path = url.split('?')[0]!;
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    if (!route) return [];
    const found = (problem: string) => [{ operationId: route.operationId, status: answer.status, problem }];
    const responses = (this.document.paths[route.path] as Record<string, { responses: Record<string, any> }>)[
      method.toLowerCase()
    ]!.responses;
    const documented = responses[String(answer.status)];
    if (!documented) return found(`status ${answer.status} is not documented: ${answer.text.slice(0, 300)}`);
    const content = (documented.content ?? {}) as Record<string, unknown>;
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      return answer.text === '' ? [] : found(`a body where none is documented: ${answer.text.slice(0, 300)}`);
    }
    const mediaType = mediaTypes.find((type) => answer.contentType.startsWith(type));
    if (!mediaType) return found(`content type ${answer.contentType}, documented ${mediaTypes.join(', ')}`);
    const validate = this.validator(
      pointer(
        'paths',
        route.path,
        method.toLowerCase(),
        'responses',
        String(answer.status),
        'content',
        mediaType,
      ),
    );
    if (validate(answer.body)) return [];
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    return found(`body does not validate: ${errors.join('; ')}: ${answer.text.slice(0, 300)}`);
  }

  /** Throws for findings on a checked operation, and reports the others where OPENAPI_REPORT asks. */
  enforce(findings: ContractFinding[]): void {
    const report = process.env.OPENAPI_REPORT;
    if (report) {
      for (const finding of findings) appendFileSync(report, `${JSON.stringify(finding)}\n`);
    }
    const failing = findings.filter((f) => CHECKED_OPERATIONS.has(f.operationId));
    if (failing.length > 0) {
      throw new Error(
        `The answer does not match the OpenAPI document:\n${failing
          .map((f) => `${f.operationId} ${f.status}: ${f.problem}`)
          .join('\n')}`,
      );
    }
  }

  private validator(ref: string): ValidateFunction {
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${ref}/schema` });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}
