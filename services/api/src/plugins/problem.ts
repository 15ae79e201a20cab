import { Problem, problemType } from '@tk/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import {
  InternalError,
  InvalidCharacters,
  MalformedJson,
  NotFound,
  problemForStatus,
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
  return reply.code(problem.status).type('application/problem+json').send(body);
}

/** A JSON pointer into the request: `/field` for the body, `/querystring/field` and `/params/id` otherwise. */
function toPointer(instancePath: string | undefined, context: string): string {
  const path = instancePath && instancePath !== '/' ? instancePath : '';
  return context === 'body' ? path || '/' : `/${context}${path}`;
}

export function toProblem(err: FastifyError | Error): Problem {
  if (err instanceof Problem) return err;
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

/** True when a string anywhere in the value holds a NUL character (PostgreSQL text cannot store it). */
function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || containsNul(v, depth + 1));
}

export const problemPlugin = fp(async (app: FastifyInstance) => {
  // Input PostgreSQL cannot store is refused for every route at once, before any handler sees it.
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.body) || containsNul(request.query) || containsNul(request.params)) {
      throw new InvalidCharacters();
    }
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toProblem(err);
    if (problem.status >= 500 || isResponseSerializationError(err)) {
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
