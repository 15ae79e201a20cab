import createClient from 'openapi-fetch';
import type { paths } from '../api-types';
import { expire, session } from '../session';
import { ApiError, type ProblemBody } from './problems';

/**
 * The typed API client: openapi-fetch over the `paths` generated from docs/api/openapi.json. It adds
 * the bearer token and turns a 401 on an authenticated call into "session expired".
 */
export const api = createClient<paths>({ baseUrl: '' });

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
  const problem = typeof result.error === 'object' && result.error !== null ? (result.error as ProblemBody) : undefined;
  throw new ApiError(result.response.status, problem);
}
