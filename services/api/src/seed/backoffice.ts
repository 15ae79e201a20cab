import { fixedClock } from '@tk/core';
import { beneficiaries, type Db } from '@tk/db';
import { eq } from 'drizzle-orm';
import { systemActor } from '../lib/audit.ts';
import type { KeyRings } from '../lib/keys.ts';
import type { CreateApprovalInput } from '../modules/beneficiaries/beneficiaries.schemas.ts';
import { createApproval, createBeneficiary } from '../modules/beneficiaries/beneficiaries.service.ts';
import { issueCard } from '../modules/cards/cards.service.ts';
import { updateProvider } from '../modules/providers/providers.service.ts';
import { DEMO_PROVIDERS } from './demo-data.ts';

/** The school year 2026/27: the demo approvals are valid "today" for the terminal. */
const FROM = '2026-08-01';
const TO = '2027-07-31';
/** The day the demo data is "recorded" (keeps the seed deterministic). */
const RECORDED_ON = '2026-08-01';

/** Meal prices of the demo lunch providers (within the city cap of 5,00 €). */
export const DEMO_MEAL_PRICES = { canteen: 350, school: 320 } as const;

type DemoApproval = Omit<CreateApprovalInput, 'validFrom' | 'validTo'> & { validFrom?: string; validTo?: string };

/** The demo children (README): names, case references and what each may redeem where. */
export const DEMO_CHILDREN: {
  caseReference: string;
  givenName: string;
  familyName: string;
  birthDate: string;
  approvals: DemoApproval[];
}[] = [
  {
    caseReference: 'DEMO-001',
    givenName: 'Mia',
    familyName: 'Schneider',
    birthDate: '2015-03-14',
    approvals: [
      { benefitType: 'participation', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
      { benefitType: 'lunch', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
    ],
  },
  {
    caseReference: 'DEMO-002',
    givenName: 'Leon',
    familyName: 'Yilmaz',
    birthDate: '2012-06-02',
    approvals: [
      {
        benefitType: 'tutoring',
        legalBasis: 'SGB_II',
        costBearer: 'JOBCENTER',
        providerId: DEMO_PROVIDERS.tutor.id,
        hours: 20,
        hourlyRateCents: 1850,
        subject: 'Mathematik',
        validTo: '2027-01-31',
      },
      { benefitType: 'participation', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
    ],
  },
  {
    caseReference: 'DEMO-003',
    givenName: 'Emma',
    familyName: 'Krüger',
    birthDate: '2016-09-23',
    approvals: [
      { benefitType: 'lunch', legalBasis: 'BKGG_KIZ', costBearer: 'SOZIALAMT' },
      {
        benefitType: 'trip',
        legalBasis: 'BKGG_KIZ',
        costBearer: 'SOZIALAMT',
        providerId: DEMO_PROVIDERS.school.id,
        amountCents: 28500,
        reference: 'Klassenfahrt Juist',
      },
    ],
  },
  {
    caseReference: 'DEMO-004',
    givenName: 'Noah',
    familyName: 'Becker',
    birthDate: '2010-01-17',
    approvals: [
      { benefitType: 'participation', legalBasis: 'BKGG_WOGG', costBearer: 'KREIS' },
      {
        benefitType: 'tutoring',
        legalBasis: 'BKGG_WOGG',
        costBearer: 'KREIS',
        providerId: DEMO_PROVIDERS.tutor.id,
        hours: 15,
        hourlyRateCents: 2000,
        subject: 'Deutsch',
      },
    ],
  },
  {
    caseReference: 'DEMO-005',
    givenName: 'Hanna',
    familyName: 'Wolf',
    birthDate: '2018-11-05',
    approvals: [
      { benefitType: 'lunch', legalBasis: 'SGB_XII_3', costBearer: 'SOZIALAMT' },
      {
        benefitType: 'trip',
        legalBasis: 'SGB_XII_3',
        costBearer: 'SOZIALAMT',
        providerId: DEMO_PROVIDERS.school.id,
        amountCents: 4500,
        reference: 'Ausflug Zoo',
      },
    ],
  },
  {
    // Turns 18 on 30.04.2027: participation counts August to April only (9 months).
    caseReference: 'DEMO-006',
    givenName: 'Elias',
    familyName: 'Hoffmann',
    birthDate: '2009-04-30',
    approvals: [
      { benefitType: 'participation', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
      { benefitType: 'lunch', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
    ],
  },
  {
    caseReference: 'DEMO-007',
    givenName: 'Sofia',
    familyName: 'Nowak',
    birthDate: '2014-12-12',
    approvals: [
      { benefitType: 'participation', legalBasis: 'ASYLBLG', costBearer: 'SOZIALAMT' },
      { benefitType: 'lunch', legalBasis: 'ASYLBLG', costBearer: 'SOZIALAMT' },
      // Recorded for reporting only: paid in cash, never redeemable.
      { benefitType: 'school_supplies', legalBasis: 'ASYLBLG', costBearer: 'SOZIALAMT', amountCents: 19500 },
    ],
  },
  {
    caseReference: 'DEMO-008',
    givenName: 'Ben',
    familyName: 'Schulz',
    birthDate: '2011-07-07',
    approvals: [
      { benefitType: 'participation', legalBasis: 'SGB_II', costBearer: 'JOBCENTER' },
      {
        benefitType: 'trip',
        legalBasis: 'SGB_II',
        costBearer: 'JOBCENTER',
        providerId: DEMO_PROVIDERS.school.id,
        amountCents: 32000,
        reference: 'Klassenfahrt Berlin',
      },
    ],
  },
];

/**
 * Demo children, approvals and cards (back-office issue), written through the back-office services
 * with the system actor, so every write is audited like a real one. Sets the demo lunch providers'
 * meal prices. Does nothing when the demo children exist already.
 */
export async function seedBackoffice(db: Db, keys: KeyRings): Promise<void> {
  const [existing] = await db
    .select({ id: beneficiaries.id })
    .from(beneficiaries)
    .where(eq(beneficiaries.caseReference, DEMO_CHILDREN[0]!.caseReference));
  if (existing) return;
  const actor = systemActor();
  for (const key of ['canteen', 'school'] as const) {
    await updateProvider(
      db,
      DEMO_PROVIDERS[key].id,
      { mealPriceCents: DEMO_MEAL_PRICES[key], mealPriceValidFrom: '2026-01-01' },
      actor,
      fixedClock(`${RECORDED_ON}T08:00:00Z`),
    );
  }
  for (const child of DEMO_CHILDREN) {
    const { approvals, ...data } = child;
    const created = await createBeneficiary(db, data, actor, RECORDED_ON);
    for (const approval of approvals) {
      await createApproval(
        db,
        created.id,
        { ...approval, validFrom: approval.validFrom ?? FROM, validTo: approval.validTo ?? TO },
        actor,
        RECORDED_ON,
      );
    }
    await issueCard(db, keys.card, created.id, actor, fixedClock(`${RECORDED_ON}T08:00:00Z`));
  }
}
