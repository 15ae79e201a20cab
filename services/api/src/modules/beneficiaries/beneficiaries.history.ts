import { beneficiaryRevisions, type DbOrTx, users } from '@tk/db';
import { asc, eq } from 'drizzle-orm';
import type { BeneficiaryRevision } from './beneficiaries.schemas.ts';

/** The corrections of a child's master data, oldest first, with the username of who made each. */
export async function listBeneficiaryRevisions(db: DbOrTx, beneficiaryId: string): Promise<BeneficiaryRevision[]> {
  const rows = await db
    .select({ r: beneficiaryRevisions, username: users.username })
    .from(beneficiaryRevisions)
    .leftJoin(users, eq(users.id, beneficiaryRevisions.changedBy))
    .where(eq(beneficiaryRevisions.beneficiaryId, beneficiaryId))
    .orderBy(asc(beneficiaryRevisions.changedAt), asc(beneficiaryRevisions.id));
  return rows.map(({ r, username }) => ({
    changedAt: r.changedAt.toISOString(),
    ...(r.changedBy ? { changedBy: r.changedBy } : {}),
    ...(username ? { changedByName: username } : {}),
    before: r.before,
    after: r.after,
  }));
}
