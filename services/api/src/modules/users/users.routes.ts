import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { IdParams, problems } from '../../lib/http-schemas.ts';
import { actorOf } from '../../plugins/auth.ts';
import { CreateUserBody, ListUsersQuery, UpdateUserBody, UserList, UserSchema } from './users.schemas.ts';
import * as usersService from './users.service.ts';

export const usersRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, clock } = app.ctx;
  const security = [{ bearerAuth: [] }];

  app.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        tags: ['users'],
        summary: 'Create a user (admins: any role; provider admins: their own terminal staff)',
        security,
        body: CreateUserBody,
        response: { 201: UserSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['admin', 'provider_admin'] },
    },
    async (request, reply) => reply.code(201).send(await usersService.createUser(db, request.body, actorOf(request))),
  );

  app.get(
    '/users',
    {
      schema: {
        operationId: 'listUsers',
        tags: ['users'],
        security,
        querystring: ListUsersQuery,
        response: { 200: UserList, ...problems(400, 401, 403, 429) },
      },
      config: { roles: ['admin', 'provider_admin'] },
    },
    async (request) => ({ items: await usersService.listUsers(db, actorOf(request), request.query) }),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Deactivate or reactivate a user, or set a new password',
        security,
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserSchema, ...problems(400, 401, 403, 404, 409, 429) },
      },
      config: { roles: ['admin', 'provider_admin'] },
    },
    async (request) => usersService.updateUser(db, request.params.id, request.body, actorOf(request), clock),
  );
};
