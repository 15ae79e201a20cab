import { hasForbiddenCharacters, isSupportedDate } from '@tk/core';
import { z } from 'zod';

/** RFC 9457 problem details as every route declares them (docs/api/problems.md lists the codes). */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().describe('Stable snake_case problem code'),
    requestId: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });

/** The problem responses a route declares, e.g. `problems(400, 401, 403)`. */
export function problems<const S extends number>(...statuses: S[]): Record<S, typeof ProblemSchema> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemSchema])) as Record<S, typeof ProblemSchema>;
}

/** Problems every authenticated route can answer with. */
export const AUTHENTICATED_PROBLEMS = [400, 401, 403, 429] as const;

export const IsoDate = z.iso
  .date()
  .refine(isSupportedDate, 'date outside 1900-01-01 … 2100-12-31')
  .describe('Date YYYY-MM-DD (Europe/Berlin), 1900-01-01 … 2100-12-31');

/**
 * A name or free text: trimmed, bounded, and without control or bidirectional control characters.
 * (Every JSON string is also checked by the problem plugin; this puts the rule in the schema and docs.)
 */
export const Text = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((v) => !hasForbiddenCharacters(v), 'control or bidirectional control characters are not allowed');
export const IsoTimestamp = z.iso.datetime({ offset: true });
export const Cents = z.number().int().describe('Amount in euro cents');
export const IdParams = z.object({ id: z.string().min(1).max(64) });

/** The `Idempotency-Key` header of writes that a client may retry. */
export const IdempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('A fresh random value per write, the same one when retrying it (required for redeem)'),
});

/** `?codes=true`: a CSV export writes the codes (`SGB_II`, `lunch`) instead of the German names. */
export const CsvCodes = z
  .enum(['true', 'false'])
  .default('false')
  .transform((v) => v === 'true')
  .describe('true: codes (SGB_II, lunch) instead of German names in the cells');
