import { addDays, berlinDate, type Clock } from '@tk/core';
import type { DbOrTx } from '@tk/db';
import { outreachRows } from '@tk/db/queries/outreach';
import { getSettings } from '../catalogue/catalogue.service.ts';
import type { OutreachList } from './outreach.schemas.ts';

const LIMIT = 1000;

/**
 * The outreach list (issue 13, item 5): children with an active approval of a redeemable benefit type and
 * no booking `outreachWeeks` (city setting) after it began. For caseworkers only; the reminder is the card
 * letter again (POST /cards/{id}/letter).
 */
export async function outreachList(
  db: DbOrTx,
  query: { district?: string | undefined },
  clock: Clock,
): Promise<OutreachList> {
  const today = berlinDate(clock.now());
  const { outreachWeeks } = await getSettings(db);
  const begunBy = addDays(today, -7 * outreachWeeks);
  const rows = await outreachRows(db, { today, begunBy, district: query.district, limit: LIMIT + 1 });
  return {
    weeks: outreachWeeks,
    begunBy,
    truncated: rows.length > LIMIT,
    items: rows.slice(0, LIMIT).map((r) => ({
      beneficiaryId: r.beneficiary_id,
      givenName: r.given_name,
      familyName: r.family_name,
      district: r.district,
      approvalId: r.approval_id,
      benefitType: r.benefit_type,
      validFrom: r.valid_from,
      validTo: r.valid_to,
      activeCardId: r.card_id,
    })),
  };
}
