import { berlinDate, type Clock } from '@tk/core';
import { type DbOrTx, readTogether } from '@tk/db';
import { childRedemptionRows } from '@tk/db/queries/privacy';
import type { Actor } from '../../lib/audit.ts';
import { getBeneficiary } from '../beneficiaries/beneficiaries.service.ts';
import { accessLogOf, recordReads } from './access-log.service.ts';
import type { DataExport } from './privacy.schemas.ts';

/**
 * Everything held about a child, for the family's request under Art. 15 GDPR (exportBeneficiaryData):
 * the child and the corrections of its data, approvals with balances, cards, every booking with the
 * provider that made it, and the access log (who in the city read the record, and when). The export is
 * itself a read and is recorded first, so it lists itself. Throws 404 `beneficiary_not_found`.
 */
export async function exportBeneficiaryData(
  db: DbOrTx,
  beneficiaryId: string,
  actor: Actor,
  clock: Clock,
): Promise<DataExport> {
  const [view, redemptions] = await readTogether(db, [
    () => getBeneficiary(db, beneficiaryId, berlinDate(clock.now())),
    () => childRedemptionRows(db, beneficiaryId),
    () => recordReads(db, actor, clock, 'export', [beneficiaryId]),
  ]);
  const { approvals, cards, ...beneficiary } = view;
  const { items: accessLog } = await accessLogOf(db, beneficiaryId);
  return {
    beneficiary,
    approvals,
    cards: cards.map(({ qrToken: _token, keyId: _key, ...card }) => card),
    redemptions: redemptions.map((r) => ({
      ...r,
      benefitType: r.benefitType as DataExport['redemptions'][number]['benefitType'],
    })),
    accessLog,
  };
}
