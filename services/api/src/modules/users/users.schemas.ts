import { ROLES } from '@tk/db';
import { z } from 'zod';

export const CreateUserBody = z.object({
  username: z
    .string()
    .trim()
    .min(3)
    .max(64)
    .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits and . _ @ - only'),
  password: z.string().min(12, 'at least 12 characters').max(128),
  role: z.enum(ROLES),
  providerId: z.string().min(1).max(64).optional(),
});

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    role: z.enum(ROLES),
    providerId: z.string().optional(),
    active: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof UserSchema>;

export const ListUsersQuery = z.object({ providerId: z.string().max(64).optional() });
export const UserList = z.object({ items: z.array(UserSchema) });

export const UpdateUserBody = z
  .object({ active: z.boolean().optional(), password: z.string().min(12).max(128).optional() })
  .refine((b) => b.active !== undefined || b.password !== undefined, 'nothing to change');
