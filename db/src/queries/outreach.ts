import { sql } from 'drizzle-orm';
import { type DbOrTx, queryRows } from '../client.ts';

/** An approval that runs today, began on or before `begunBy`, and has no booking yet; with its child and active card. */
export interface OutreachRow {
  beneficiary_id: string;
  given_name: string;
  family_name: string;
  district: string | null;
  approval_id: string;
  benefit_type: string;
  valid_from: string;
  valid_to: string;
  card_id: string | null;
}

/**
 * The outreach list (casework only, never providers): children with an active approval of a redeemable
 * benefit type that began `begunBy` or earlier and has not been booked once. Pseudonymised children never appear.
 */
export async function outreachRows(
  db: DbOrTx,
  params: { today: string; begunBy: string; district?: string | undefined; limit: number },
) {
  const { today, begunBy, district, limit } = params;
  return queryRows<OutreachRow>(
    db,
    sql`select b.id as beneficiary_id, b.given_name, b.family_name, b.district, a.id as approval_id, a.benefit_type,
               a.valid_from::text as valid_from, a.valid_to::text as valid_to, c.id as card_id
        from approvals a
        join beneficiaries b on b.id = a.beneficiary_id and b.pseudonymised_at is null
        join benefit_types bt on bt.code = a.benefit_type and bt.redeemable
        left join cards c on c.beneficiary_id = b.id and c.status = 'active'
        where a.valid_from <= ${begunBy}::date and a.valid_to >= ${today}::date
          and (a.revoked_from is null or a.revoked_from > ${today}::date)
          and not exists (select 1 from redemptions r where r.approval_id = a.id and r.status = 'booked')
          ${district === undefined ? sql`` : sql`and b.district = ${district}`}
        order by b.family_name, b.given_name, b.id, a.valid_from
        limit ${limit}`,
  );
}
