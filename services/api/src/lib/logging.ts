import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Log redaction (pino paths). Tokens, passwords and personal data never reach the logs; request
 * bodies are not logged at all, these paths catch what a developer might log by hand.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.qrToken',
  '*.code',
  '*.cardNumber',
  '*.givenName',
  '*.familyName',
  '*.birthDate',
  '*.iban',
  '*.accountHolder',
  'body',
];

/** The part of an error message before its first quoted value, colon, `<` or parenthesis (which is where values go). */
export function messageHead(message: string): string {
  const head = message.split(/[:'"`<(\n]/, 1)[0] ?? '';
  return head.trim().slice(0, 100);
}

interface DatabaseErrorFields {
  code?: unknown;
  severity?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
  routine?: unknown;
  cause?: unknown;
}

/** The PostgreSQL error in an error's cause chain (drizzle wraps it in `DrizzleQueryError`), if any. */
function databaseError(err: unknown): DatabaseErrorFields | undefined {
  for (let e = err as DatabaseErrorFields | undefined, depth = 0; e && depth < 5; e = e.cause as never, depth++) {
    if (typeof e.severity === 'string' && typeof e.code === 'string') return e;
  }
  return undefined;
}

/**
 * The `err` serializer of every log line. Error messages of the database and of libraries carry the
 * values they choke on (a query's bound parameters, `invalid input syntax for type date: "…"`, a SEPA
 * creditor name), so no message is logged whole: only its head (before the first value), the error's
 * type and code, for database errors SQLSTATE, constraint, table and column, and the stack frames.
 * The request id in the same line finds the request; nothing personal reaches the log.
 */
export interface LoggedError {
  [key: string]: unknown;
  type: string;
  message: string;
  stack: string;
}

export function serializeError(err: unknown): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err, message: '', stack: '' };
  const db = databaseError(err);
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .slice(0, 15)
    .join('\n');
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  return {
    type: err.constructor?.name ?? err.name,
    message: db ? 'database error' : messageHead(err.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
    ...(db
      ? {
          sqlState: db.code,
          ...(typeof db.constraint === 'string' ? { constraint: db.constraint } : {}),
          ...(typeof db.table === 'string' ? { table: db.table } : {}),
          ...(typeof db.column === 'string' ? { column: db.column } : {}),
          ...(typeof db.routine === 'string' ? { routine: db.routine } : {}),
        }
      : {}),
    stack: frames,
  };
}

interface LoggedRequest {
  method: string;
  url: string;
  ip?: string;
  routeOptions?: { url?: string | undefined };
}

/**
 * The `req` serializer: method, path without the query string (`?q=` holds names and card numbers),
 * the route pattern and the client address.
 */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.split('?')[0],
    ...(request.routeOptions?.url ? { route: request.routeOptions.url } : {}),
    remoteAddress: request.ip,
  };
}

export const logSerializers = { err: serializeError, req: serializeRequest };

/**
 * Fastify's request log lines (`logController`, Fastify 5): one access line per request, written when the
 * response has finished (request id, method, path, route, client address, status, response time), instead
 * of Fastify's two (`incoming request` and `request completed`): half the log writes on the booking path
 * (issue 15). Fastify's other per-request lines (errors of its default handler, a failed serializer) stay
 * off as before: our problem handler logs what a request failed with.
 */
export class AccessLogController extends LogController {
  constructor() {
    super({ disableRequestLogging: true });
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    reply.log.info(
      { req: request, res: reply, responseTime: reply.elapsedTime, ...(error ? { err: error } : {}) },
      'request completed',
    );
  }
}
