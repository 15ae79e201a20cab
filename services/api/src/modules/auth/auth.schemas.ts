import { ROLES } from '@tk/db';
import { z } from 'zod';

export const LoginBody = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

export const SessionUser = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(ROLES),
    providerId: z.string().optional(),
  })
  .meta({ id: 'SessionUser' });

export const LoginResponse = z
  .object({
    token: z.string(),
    expiresAt: z.string().describe('ISO 8601 timestamp'),
    user: SessionUser,
  })
  .meta({ id: 'LoginResponse' });
