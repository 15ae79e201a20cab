/**
 * The arithmetic of a signed period proof (ADR 0024), shared by the server that builds it and the
 * offline verifier (`pnpm proof verify`): pure, no I/O.
 */
export interface PeriodFigures {
  openingRemainingCents: number;
  approvedCents: number;
  bookedCents: number;
  reversedCents: number;
  lapsedCents: number;
  closingRemainingCents: number;
  settledCents: number;
  paidCents: number;
}

export interface PeriodProofPayload extends PeriodFigures {
  from: string;
  to: string;
  generatedAt: string;
  byLegalBasis: (PeriodFigures & { legalBasis: string; costBearer: string | null })[];
  auditChainHead: { chainSeq: number; hash: string };
}

const FIGURES = [
  'openingRemainingCents',
  'approvedCents',
  'bookedCents',
  'reversedCents',
  'lapsedCents',
  'closingRemainingCents',
  'settledCents',
  'paidCents',
] as const satisfies readonly (keyof PeriodFigures)[];

/** opening + approved − booked + reversed − lapsed, the closing balance the ledger must show. */
export const expectedClosing = (f: PeriodFigures) =>
  f.openingRemainingCents + f.approvedCents - f.bookedCents + f.reversedCents - f.lapsedCents;

/**
 * Every arithmetic rule of a proof: integer cents, the identity to the cent (in total and per legal
 * basis and cost bearer), and the totals equal to the sum of their rows. Returns what is wrong (empty: ok).
 */
export function periodProofErrors(payload: PeriodProofPayload): string[] {
  const errors: string[] = [];
  const check = (label: string, f: PeriodFigures) => {
    for (const key of FIGURES) {
      if (!Number.isSafeInteger(f[key])) errors.push(`${label}: ${key} is not an integer number of cents`);
    }
    if (expectedClosing(f) !== f.closingRemainingCents) {
      errors.push(
        `${label}: opening + approved − booked + reversed − lapsed = ${expectedClosing(f)}, but closing is ${f.closingRemainingCents}`,
      );
    }
  };
  check('total', payload);
  for (const row of payload.byLegalBasis ?? []) check(`${row.legalBasis}/${row.costBearer ?? '-'}`, row);
  for (const key of FIGURES) {
    const sum = (payload.byLegalBasis ?? []).reduce((s, row) => s + row[key], 0);
    if (sum !== payload[key]) errors.push(`total ${key} ${payload[key]} ≠ sum by legal basis ${sum}`);
  }
  if (!(payload.from <= payload.to)) errors.push('from is after to');
  if (!/^[0-9a-f]{64}$/.test(payload.auditChainHead?.hash ?? '')) errors.push('auditChainHead.hash is not a sha256');
  return errors;
}
