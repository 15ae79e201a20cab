import createClient from 'openapi-fetch';
import type { operations, paths } from '../api-types';
import { expire, session } from '../session';
import { ApiError, type ProblemBody } from './problems';

/**
 * The typed API client: openapi-fetch over the `paths` generated from docs/api/openapi.json. It adds
 * the bearer token and turns a 401 on an authenticated call into "session expired".
 */
export const api = createClient<paths>({ baseUrl: '' });

/** The JSON body an operation takes, as the contract (docs/api/openapi.json) defines it. */
export type RequestBody<Op extends keyof operations> = NonNullable<
  operations[Op]['requestBody']
>['content']['application/json'];

/** The query parameters of an operation, as the contract defines them. */
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

api.use({
  onRequest({ request }) {
    const token = session.token();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/auth/login')) expire();
    return response;
  },
});

session.setRefresher(async (token) => {
  try {
    const { data } = await api.POST('/api/v1/auth/refresh', { headers: { authorization: `Bearer ${token}` } });
    return data ?? null;
  } catch {
    return null; // offline: try again on the next activity; the expiry timer still applies
  }
});

/** The data of a successful call; throws `ApiError` with a German message otherwise. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  throw new ApiError(result.response.status, asProblem(result.error));
}

/**
 * The file of a call made with `parseAs: 'blob'` (PDF, SVG, CSV, XML); throws `ApiError` otherwise. A
 * problem then arrives as a Blob or text too and is read here.
 */
export async function unwrapBlob(result: { data?: unknown; error?: unknown; response: Response }): Promise<Blob> {
  if (result.response.ok && result.data instanceof Blob) return result.data;
  const error = result.error;
  let problem = asProblem(error);
  if (!problem) {
    try {
      const text = error instanceof Blob ? await error.text() : typeof error === 'string' ? error : '';
      problem = text ? asProblem(JSON.parse(text)) : undefined;
    } catch {
      problem = undefined;
    }
  }
  throw new ApiError(result.response.status, problem);
}

function asProblem(error: unknown): ProblemBody | undefined {
  return typeof error === 'object' && error !== null && !(error instanceof Blob) ? (error as ProblemBody) : undefined;
}
