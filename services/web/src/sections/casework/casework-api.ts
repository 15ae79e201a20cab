import { api, unwrap } from '../../api/client';
import { ApiError, type ProblemBody } from '../../api/problems';
import type { components, operations } from '../../api-types';
import { expire, session } from '../../session';

export const BASE = '/fallbearbeitung';
export const childPath = (id: string) => `${BASE}/kind/${encodeURIComponent(id)}`;

export type Beneficiary = components['schemas']['Beneficiary'];
export type BeneficiarySummary = components['schemas']['BeneficiarySummary'];
export type Approval = components['schemas']['Approval'];
export type Card = components['schemas']['Card'];
export type Catalogue = components['schemas']['Catalogue'];
export type Provider = components['schemas']['Provider'];
export type ImportJob = components['schemas']['ImportJob'];
export type BenefitTypeCode = Approval['benefitType'];
export type LegalBasisCode = Approval['legalBasis'];
export type BlockReason = NonNullable<Card['blockReason']>;

export const BENEFIT_LABELS: Record<BenefitTypeCode, string> = {
  participation: 'Teilhabe (Verein, Kultur, Freizeit)',
  lunch: 'Mittagessen',
  tutoring: 'Lernförderung',
  trip: 'Ausflug / Klassenfahrt',
  school_supplies: 'Schulbedarf (nur Auszahlung)',
  transport: 'Schülerbeförderung (nur Auszahlung)',
};

export const LEGAL_BASIS_LABELS: Record<LegalBasisCode, string> = {
  SGB_II: 'SGB II',
  SGB_XII_3: 'SGB XII (3. Kapitel)',
  SGB_XII_4: 'SGB XII (4. Kapitel)',
  BKGG_KIZ: 'BKGG (Kinderzuschlag)',
  BKGG_WOGG: 'BKGG (Wohngeld)',
  ASYLBLG: 'AsylbLG',
};

export const APPROVAL_STATUS: Record<Approval['status'], { label: string; tone: 'ok' | 'warn' | 'error' | 'neutral' }> =
  {
    active: { label: 'aktiv', tone: 'ok' },
    upcoming: { label: 'beginnt später', tone: 'neutral' },
    grace: { label: 'Nachfrist', tone: 'warn' },
    expired: { label: 'abgelaufen', tone: 'neutral' },
    revoked: { label: 'aufgehoben', tone: 'error' },
    recorded: { label: 'nur erfasst (Auszahlung)', tone: 'neutral' },
  };

export const CARD_STATUS: Record<Card['status'], { label: string; tone: 'ok' | 'error' | 'neutral' }> = {
  active: { label: 'aktiv', tone: 'ok' },
  blocked: { label: 'gesperrt', tone: 'error' },
  replaced: { label: 'ersetzt', tone: 'neutral' },
};

export const BLOCK_REASONS: Record<BlockReason, string> = {
  lost: 'verloren',
  stolen: 'gestohlen',
  damaged: 'beschädigt',
  other: 'anderer Grund',
};

/** Today's catalogue, loaded once per page view of the section (rates, legal bases, cost bearers). */
let cataloguePromise: Promise<Catalogue> | undefined;
export function loadCatalogue(fresh = false): Promise<Catalogue> {
  if (fresh || !cataloguePromise) {
    cataloguePromise = api.GET('/api/v1/catalogue', {}).then(unwrap);
    cataloguePromise.catch(() => {
      cataloguePromise = undefined;
    });
  }
  return cataloguePromise;
}

type SearchSort = NonNullable<NonNullable<operations['searchBeneficiaries']['parameters']['query']>['sort']>;

export async function searchBeneficiaries(
  q: string,
  page = 1,
  sort: { key: string; direction: 'asc' | 'desc' } = { key: 'name', direction: 'asc' },
) {
  return unwrap(
    await api.GET('/api/v1/beneficiaries', {
      params: { query: { q, page, pageSize: 20, sort: sort.key as SearchSort, direction: sort.direction } },
    }),
  );
}

/** A warning of createBeneficiary kept for the child page it leads to (possible_duplicate). */
export const duplicateNoticeKey = (childId: string) => `tk.casework.duplicateOf.${childId}`;

export async function getBeneficiary(id: string): Promise<Beneficiary> {
  return unwrap(await api.GET('/api/v1/beneficiaries/{id}', { params: { path: { id } } }));
}

/** Raw fetch with the session's token, for bodies and answers that are not JSON (CSV, PDF). */
export async function authFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = session.token();
  if (token) headers.set('authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers });
  } catch {
    throw new ApiError(0, undefined, 'network');
  }
  if (response.status === 401) expire();
  if (!response.ok) {
    let problem: ProblemBody | undefined;
    try {
      problem = (await response.json()) as ProblemBody;
    } catch {
      problem = undefined;
    }
    throw new ApiError(response.status, problem);
  }
  return response;
}

/** Fetches a PDF with the token and opens it in a new tab; returns its object URL (for a fallback link). */
export async function openPdf(url: string, init: RequestInit = {}): Promise<string> {
  const response = await authFetch(url, init);
  const blob = await response.blob();
  const objectUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
  window.open(objectUrl, '_blank', 'noopener');
  return objectUrl;
}
