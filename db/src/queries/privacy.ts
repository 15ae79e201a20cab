import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';

/**
 * The read audit and the Art. 15 export (services/api/src/modules/privacy). Reads are written
 * set-based: one INSERT … SELECT per request, whatever the number of children, and only for children
 * (or cards) that exist, so a 404 records nothing.
 */

export type ReadAction =
  | 'search'
  | 'view'
  | 'approval'
  | 'card'
  | 'card_print'
  | 'letter'
  | 'export'
  | 'family_balance'
  | 'list';

export interface ReadParams {
  actorId: string | null;
  requestId: string | null;
  at: Date;
  action: ReadAction;
}

/** One row per child in `beneficiaryIds` (duplicates once), in one statement. */
export async function insertReads(db: DbOrTx, params: ReadParams & { beneficiaryIds: string[] }): Promise<void> {
  if (params.beneficiaryIds.length === 0) return;
  await db.execute(
    sql`insert into personal_data_reads (at, actor_id, beneficiary_id, action, request_id)
        select ${params.at.toISOString()}::timestamptz, ${params.actorId}, b.id, ${params.action}, ${params.requestId}
        from beneficiaries b
        where b.id in (select distinct jsonb_array_elements_text(${JSON.stringify(params.beneficiaryIds)}::jsonb))`,
  );
}

/** One row per child behind the cards in `cardIds` (a sheet of many cards is one statement). */
export async function insertCardReads(db: DbOrTx, params: ReadParams & { cardIds: string[] }): Promise<void> {
  if (params.cardIds.length === 0) return;
  await db.execute(
    sql`insert into personal_data_reads (at, actor_id, beneficiary_id, action, request_id)
        select distinct ${params.at.toISOString()}::timestamptz, ${params.actorId}, c.beneficiary_id, ${params.action}, ${params.requestId}
        from cards c
        where c.id in (select jsonb_array_elements_text(${JSON.stringify(params.cardIds)}::jsonb))`,
  );
}

/** One approval's child: the approval page (getApproval) shows the child's social data. */
export async function insertApprovalRead(db: DbOrTx, params: ReadParams & { approvalId: string }): Promise<void> {
  await db.execute(
    sql`insert into personal_data_reads (at, actor_id, beneficiary_id, action, request_id)
        select ${params.at.toISOString()}::timestamptz, ${params.actorId}, a.beneficiary_id, ${params.action}, ${params.requestId}
        from approvals a where a.id = ${params.approvalId}`,
  );
}

/** One entry of a child's access log; `username` null: the family itself (getFamilyBalance). */
export interface AccessLogRow {
  at: Date;
  username: string | null;
  action: ReadAction;
}

/** A child's access log, newest first; without `limit` all of it (the export). */
export async function accessLogRows(
  db: DbOrTx,
  params: { beneficiaryId: string; limit?: number; offset?: number },
): Promise<{ rows: AccessLogRow[]; total: number }> {
  const [rows, [count]] = await Promise.all([
    queryRows<{ at: string | Date; username: string | null; action: ReadAction }>(
      db,
      sql`select r.at, u.username, r.action
          from personal_data_reads r left join users u on u.id = r.actor_id
          where r.beneficiary_id = ${params.beneficiaryId}
          order by r.at desc, r.id desc
          ${params.limit !== undefined ? sql`limit ${params.limit} offset ${params.offset ?? 0}` : sql``}`,
    ),
    queryRows<{ total: number }>(
      db,
      sql`select count(*)::int as total from personal_data_reads where beneficiary_id = ${params.beneficiaryId}`,
    ),
  ]);
  return {
    rows: rows.map((r) => ({ at: new Date(r.at), username: r.username, action: r.action })),
    total: Number(count?.total ?? 0),
  };
}

/** A booking of the child as the family is told about it: what, when, how much, at which provider. */
export interface ChildRedemptionRow {
  serviceDate: string;
  benefitType: string;
  amountCents: number;
  providerName: string;
  status: 'booked' | 'reversed';
}

/** Every booking of the child (booked and reversed), oldest first. */
export async function childRedemptionRows(db: DbOrTx, beneficiaryId: string): Promise<ChildRedemptionRow[]> {
  const rows = await queryRows<{
    service_date: string;
    benefit_type: string;
    amount_cents: number | string;
    provider_name: string;
    status: 'booked' | 'reversed';
  }>(
    db,
    sql`select r.service_date::text as service_date, r.benefit_type, r.amount_cents, p.name as provider_name, r.status
        from redemptions r join providers p on p.id = r.provider_id
        where r.beneficiary_id = ${beneficiaryId}
        order by r.service_date, r.booked_at, r.id`,
  );
  return rows.map((r) => ({
    serviceDate: r.service_date,
    benefitType: r.benefit_type,
    amountCents: Number(r.amount_cents),
    providerName: r.provider_name,
    status: r.status,
  }));
}

export async function beneficiaryExists(db: DbOrTx, beneficiaryId: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(db, sql`select id from beneficiaries where id = ${beneficiaryId}`);
  return rows.length > 0;
}
