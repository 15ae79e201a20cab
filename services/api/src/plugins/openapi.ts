import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** The OpenAPI document is generated from the routes' zod schemas: `/openapi.json`, docs at `/docs`. */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Teilhabekarte API',
        version: '1.0.0',
        description:
          'Public API v1 of Teilhabekarte (BuT entitlement card). Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    // Each operation also lists the roles that may call it (`x-roles`), from the route's `config.roles`:
    // documentation for integrators, and the input of the role-matrix and fuzz tests.
    transform: (input) => {
      const output = jsonSchemaTransform(input);
      const roles = (input.route.config as { roles?: readonly string[] } | undefined)?.roles;
      return roles ? { ...output, schema: { ...output.schema, 'x-roles': [...roles] } } : output;
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
