import fc from 'fast-check';

/** A JSON Schema node as @fastify/swagger emits it (OpenAPI 3.1). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
  additionalProperties?: boolean | JsonSchema;
}

export type Resolve = (ref: string) => JsonSchema;

const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '💳🧒🏽',
  'Ärger über Straße',
  'مرحبا',
  '\u202Eevil',
  "'; drop table approvals; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00',
  '9'.repeat(40),
  '0000 0000 0000 0000',
  '2026-02-30',
  '2026-13-01',
  '-1',
  'null',
  'x'.repeat(300),
];

/** Plausible values: what the schema allows, to get past validation and reach the service. */
export function validArbitrary(schema: JsonSchema, resolve: Resolve, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return validArbitrary(resolve(schema.$ref), resolve, depth);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.length) return fc.oneof(...options.map((o) => validArbitrary(o, resolve, depth + 1)));
  if (schema.allOf?.length) return validArbitrary(schema.allOf[0]!, resolve, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'date')
        return fc.constantFrom('2026-11-20', '2026-01-01', '2025-12-31', '2026-11-21', '2019-08-01');
      if (schema.format === 'date-time') return fc.constant('2026-11-20T10:00:00+01:00');
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 40, Math.max(min, 40));
      return fc.oneof(
        fc.string({ minLength: min, maxLength: max }),
        fc
          .constantFrom(...NASTY_STRINGS.filter((s) => s.length >= min && s.length <= (schema.maxLength ?? 1e9)))
          .filter(() => true),
      );
    }
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 100_000);
      return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth > 4) return fc.constant([]);
      return fc.array(validArbitrary(schema.items ?? {}, resolve, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(props)) shape[key] = validArbitrary(value, resolve, depth + 1);
      return fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values of the wrong shape: other types, extremes, huge and odd strings. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    1e308,
    [],
    {},
    [null],
    { $ne: null },
    ...NASTY_STRINGS,
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constant('Ä'.repeat(100_000)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Replace, drop or add fields of a valid object to make it invalid at exactly one place. */
export function mutate(value: unknown, rng: () => number): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return fc.sample(hostileValue, { numRuns: 1, seed: Math.floor(rng() * 2 ** 31) })[0];
  const obj = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(obj);
  const pick = rng();
  if (keys.length > 0 && pick < 0.4) {
    const key = keys[Math.floor(rng() * keys.length)]!;
    obj[key] = fc.sample(hostileValue, { numRuns: 1, seed: Math.floor(rng() * 2 ** 31) })[0];
  } else if (keys.length > 0 && pick < 0.7) {
    delete obj[keys[Math.floor(rng() * keys.length)]!];
  } else {
    obj[`unexpected_${Math.floor(rng() * 1000)}`] = 'x';
  }
  return obj;
}
