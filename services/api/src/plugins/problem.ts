import { Readable } from 'node:stream';
import { hasForbiddenCharacters, Problem, problemType } from '@tk/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  BadRequest,
  HeadersTooLarge,
  InternalError,
  MalformedJson,
  NotFound,
  problemForStatus,
  RequestTimeout,
  ServiceUnavailable,
  UnsupportedMediaType,
  ValidationFailed,
} from '../lib/problems.ts';

/**
 * The one error handler (ADR 0002): every failure leaves as RFC 9457 `application/problem+json`
 * with a stable `code` and the `requestId`. 5xx details are logged in full and masked in the response.
 */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: Problem): FastifyReply {
  const body: Record<string, unknown> = {
    ...(problem.extensions ?? {}),
    type: problem.type,
    title: problem.title,
    status: problem.status,
    code: problem.code,
    requestId: request.id,
  };
  if (problem.detail) body.detail = problem.detail;
  if (problem.errors) body.errors = problem.errors;
  // Every refusal that says when to come back (429, 503) says it in the header too.
  const retryAfter = problem.extensions?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  return reply.code(problem.status).type('application/problem+json').send(body);
}

/** A JSON pointer into the request: `/field` for the body, `/querystring/field` and `/params/id` otherwise. */
function toPointer(instancePath: string | undefined, context: string): string {
  const path = instancePath && instancePath !== '/' ? instancePath : '';
  return context === 'body' ? path || '/' : `/${context}${path}`;
}

/** SQLSTATE classes and codes that mean "the database is not there" (not: the query was wrong). */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed|Cannot use a pool after calling end)/;

/** True when an error (or its cause chain: drizzle wraps driver errors) says the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 6;
    depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
    if (err instanceof AggregateError && depth === 0 && err.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function toProblem(err: FastifyError | Error): Problem {
  if (err instanceof Problem) return err;
  if (isDatabaseUnavailable(err)) return new ServiceUnavailable();
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = (err as FastifyError).validationContext ?? 'body';
    const errors = err.validation.map((v) => ({
      pointer: toPointer(v.instancePath, context),
      detail: v.message ?? 'invalid value',
    }));
    return new ValidationFailed(errors);
  }
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && fe.statusCode === 400)) {
    return new MalformedJson();
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new MalformedJson('The JSON body is empty.');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new UnsupportedMediaType();
  }
  const status = fe.statusCode ?? 500;
  if (status >= 400 && status < 500) return problemForStatus(status, fe.message);
  return new InternalError();
}

/**
 * JSON pointers of every string (value or key) in a parsed body, query or params that holds a control or
 * bidirectional control character (api-v1.md, "text"). Raw bodies (CSV, XML: Buffers, strings, streams) are the
 * business of their own parsers.
 */
function forbiddenText(value: unknown, pointer: string, found: string[], depth = 0): string[] {
  if (found.length >= 20) return found;
  if (typeof value === 'string') {
    if (hasForbiddenCharacters(value)) found.push(pointer || '/');
    return found;
  }
  if (depth > 32 || value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return found;
  if (value instanceof Readable) return found; // a streamed raw body (the CSV import)
  for (const [key, v] of Object.entries(value)) {
    const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (hasForbiddenCharacters(key)) found.push(child);
    forbiddenText(v, child, found, depth + 1);
  }
  return found;
}

export const problemPlugin = fp(async (app: FastifyInstance) => {
  // Text with control characters (PostgreSQL cannot even store NUL) or bidi overrides (a name that
  // displays reversed) is refused for every route at once, before any handler sees it.
  app.addHook('preValidation', async (request) => {
    const body = typeof request.body === 'object' ? request.body : undefined;
    const pointers = [
      ...forbiddenText(body, '', []),
      ...forbiddenText(request.query, '/querystring', []),
      ...forbiddenText(request.params, '/params', []),
    ];
    if (pointers.length > 0) {
      throw new ValidationFailed(
        pointers.map((p) => ({ pointer: p, detail: 'control or bidirectional control character' })),
        'Text must not contain control characters or bidirectional control characters.',
      );
    }
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toProblem(err);
    if (problem.code === 'service_unavailable') {
      request.log.warn({ err }, 'database unavailable');
    } else if (problem.status >= 500 || isResponseSerializationError(err)) {
      request.log.error({ err }, 'request failed');
    } else if (!(err instanceof Problem)) {
      request.log.info({ problemCode: problem.code, status: problem.status }, 'request refused');
    }
    return sendProblem(reply, request, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new NotFound(`No route for ${request.method} ${request.url.split('?')[0]}.`)),
  );
});

export { problemType };

/**
 * Refusals of Node's HTTP parser (oversized headers → 431, header timeout → 408, malformed → 400) leave
 * as problem+json like every other refusal; Fastify's default writes plain JSON.
 */
export function clientErrorProblem(err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const problem =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new HeadersTooLarge({ detail: 'The request headers are too large.' })
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new RequestTimeout({ detail: 'The request headers did not arrive in time.' })
        : new BadRequest({ detail: 'The request could not be read.' });
  const { status, title } = problem;
  const body = JSON.stringify({ type: problem.type, title, status, code: problem.code, detail: problem.detail });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
