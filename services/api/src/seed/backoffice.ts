import type { Db } from '@tk/db';
import type { KeyRings } from '../lib/keys.ts';

/** Demo children, approvals and cards (back-office issue). */
export async function seedBackoffice(_db: Db, _keys: KeyRings): Promise<void> {}
