import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { type ZodType, z } from 'zod';

/**
 * A route's `serializerCompiler` for the hot terminal answers (issue 15): the success answers of the
 * given statuses are written by fast-json-stringify, compiled once from the JSON Schema of the route's
 * zod response schema, instead of being encoded by zod and then `JSON.stringify`d. Every other status
 * (problems) keeps the zod serializer.
 *
 * What stays the same: the zod schema is the one source (OpenAPI, types, and now the compiled writer);
 * fields not in the schema are left out, as zod's encoding strips them; a missing required field fails
 * the answer (a 500, logged) as before. What is no longer checked on the way out: the format of a value
 * (a date's pattern, a literal), which the service's types fix (test: `terminal-contract.test.ts`
 * holds the full answers against api-v1.md).
 */
export function fastSerializerFor<S>(...statuses: number[]): FastifySerializerCompiler<S> {
  const fast = new Set(statuses);
  return (route) => {
    if (!fast.has(Number(route.httpStatus)))
      return zodSerializerCompiler(route as Parameters<typeof zodSerializerCompiler>[0]);
    const jsonSchema = z.toJSONSchema(route.schema as ZodType, {
      target: 'draft-7',
      io: 'output',
      // A fresh registry: no `$ref`s to shared definitions, every schema inlined.
      metadata: z.registry(),
      unrepresentable: 'any',
    });
    const stringify = fastJson(jsonSchema as Parameters<typeof fastJson>[0]);
    return (data: unknown) => stringify(data);
  };
}
