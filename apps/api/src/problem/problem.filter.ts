import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, type Problem } from './problem.js';
import { isDependencyDown } from './unavailable.js';

const FASTIFY_CODES: Record<string, { status: number; code: string; title: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body-too-large',
    title: 'Request too large',
    detail: 'The request body is larger than this API accepts.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: 'Send the body as application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed-body',
    title: 'Malformed request body',
    detail: 'The body is declared as JSON but is empty.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed-body',
    title: 'Malformed request body',
    detail: 'The body is not valid JSON.',
  },
};

/** Turns any error into problem+json. Unknown errors become a 500 whose body says nothing about the cause. */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) return error.toProblem();
  const err = error as {
    code?: string;
    statusCode?: number;
    status?: number;
    message?: string;
    name?: string;
  };
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return { type: `urn:verity:problem:${known.code}`, ...known };
  if (err.name === 'SyntaxError' && err.statusCode === 400)
    return toProblem({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  // Postgres "data exception" class: a value the database cannot take (a NUL byte, an out-of-range number)
  const sqlState = (error as { driverError?: { code?: string } }).driverError?.code;
  if (sqlState?.startsWith('22')) {
    return {
      type: 'urn:verity:problem:invalid-value',
      title: 'Invalid value',
      status: 400,
      detail: 'A value in the request cannot be stored. Check for unusual characters or very large numbers.',
      code: 'invalid-value',
    };
  }
  if (isDependencyDown(error)) {
    return {
      type: 'urn:verity:problem:unavailable',
      title: 'Try again shortly',
      status: 503,
      detail: 'We cannot check this right now. Try again in a moment.',
      code: 'unavailable',
      retryAfterSeconds: 5,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? 'not-found' : status === 405 ? 'method-not-allowed' : `http-${status}`;
    const detail = status === 404 ? 'There is nothing at this address.' : error.message;
    return { type: `urn:verity:problem:${code}`, title: error.message, status, detail, code };
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      type: 'urn:verity:problem:bad-request',
      title: 'Bad request',
      status,
      detail: 'The request could not be understood.',
      code: 'bad-request',
    };
  }
  return {
    type: 'urn:verity:problem:internal',
    title: 'Something went wrong',
    status: 500,
    detail:
      'Something went wrong on our side. Please try again; if it keeps happening, contact your service desk.',
    code: 'internal',
  };
}

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  if (problem.retryAfterSeconds) void reply.header('retry-after', String(problem.retryAfterSeconds));
  void reply
    .status(problem.status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(problem);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const problem = toProblem(error);
    if (problem.status >= 500) this.logger.error(error);
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), problem);
  }
}
