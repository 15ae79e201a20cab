import { api, type QueryOf, type RequestBody, unwrap, unwrapBlob } from '../../api/client';
import type { components } from '../../api-types';
import { saveDownload } from '../../ui/download';

export const BASE = '/fallbearbeitung';
export const childPath = (id: string) => `${BASE}/kind/${encodeURIComponent(id)}`;

export type Beneficiary = components['schemas']['Beneficiary'];
export type BeneficiarySummary = components['schemas']['BeneficiarySummary'];
export type Approval = components['schemas']['Approval'];
export type Card = components['schemas']['Card'];
export type Provider = components['schemas']['Provider'];
export type ImportJob = components['schemas']['ImportJob'];
export type BenefitTypeCode = Approval['benefitType'];
export type LegalBasisCode = Approval['legalBasis'];
export type BlockReason = NonNullable<Card['blockReason']>;

/** How a state looks (the `status-…` chip); the German names are in @tk/core. */
export const APPROVAL_STATUS_TONE: Record<Approval['status'], 'ok' | 'warn' | 'error' | 'neutral'> = {
  active: 'ok',
  upcoming: 'neutral',
  grace: 'warn',
  expired: 'neutral',
  revoked: 'error',
  recorded: 'neutral',
};

export const CARD_STATUS_TONE: Record<Card['status'], 'ok' | 'error' | 'neutral'> = {
  active: 'ok',
  blocked: 'error',
  replaced: 'neutral',
};

type SearchQuery = NonNullable<QueryOf<'searchBeneficiaries'>>;
export type SearchSort = { key: NonNullable<SearchQuery['sort']>; direction: NonNullable<SearchQuery['direction']> };

export async function searchBeneficiaries(q: string, page: number, sort: SearchSort, signal?: AbortSignal) {
  return unwrap(
    await api.GET('/api/v1/beneficiaries', {
      params: { query: { q, page, pageSize: 20, sort: sort.key, direction: sort.direction } },
      signal,
    }),
  );
}

/** A warning of createBeneficiary kept for the child page it leads to (possible_duplicate). */
export const duplicateNoticeKey = (childId: string) => `tk.casework.duplicateOf.${childId}`;

export async function getBeneficiary(id: string, signal?: AbortSignal): Promise<Beneficiary> {
  return unwrap(await api.GET('/api/v1/beneficiaries/{id}', { params: { path: { id } }, signal }));
}

export async function listProviders(signal?: AbortSignal): Promise<Provider[]> {
  return unwrap(await api.GET('/api/v1/providers', { signal })).items;
}

/** The QR code of a card as an SVG image (the route wants the token, so no plain `<img src>`). */
export async function cardQrSvg(id: string, signal?: AbortSignal): Promise<Blob> {
  return unwrapBlob(await api.GET('/api/v1/cards/{id}/qr.svg', { params: { path: { id } }, parseAs: 'blob', signal }));
}

/** Opens a fetched PDF in a new tab; returns its object URL (for a fallback link). */
function openPdfBlob(blob: Blob): string {
  const objectUrl = URL.createObjectURL(new Blob([blob], { type: 'application/pdf' }));
  window.open(objectUrl, '_blank', 'noopener');
  return objectUrl;
}

/** Which cards a bulk print takes: a selection in the search, or every active card an import issued. */
export type CardSelection = { cardIds: string[] } | { importJobId: string };

/**
 * Prints many cards at once and opens the PDF: `a4` = sheets of 10 with cut lines, `id1` = one card per
 * page of card size for a card printer. Returns the PDF's object URL.
 */
export async function openCardsPdf(selection: CardSelection, format: 'a4' | 'id1'): Promise<string> {
  const result =
    format === 'a4'
      ? await api.POST('/api/v1/cards/print-sheet', { body: selection, parseAs: 'blob' })
      : await api.POST('/api/v1/cards/print-id1', { body: selection, parseAs: 'blob' });
  return openPdfBlob(await unwrapBlob(result));
}

/** The letters to the families of many cards in one PDF (each with a new access code); opens it. */
export async function openCardLetters(
  selection: CardSelection,
  lang: NonNullable<RequestBody<'printCardLetter'>>['lang'],
): Promise<string> {
  return openPdfBlob(
    await unwrapBlob(await api.POST('/api/v1/cards/letters', { body: { ...selection, lang }, parseAs: 'blob' })),
  );
}

/** Fetches the card's PDF and opens it in a new tab; returns its object URL. */
export async function openCardPdf(id: string): Promise<string> {
  return openPdfBlob(
    await unwrapBlob(await api.GET('/api/v1/cards/{id}/print.pdf', { params: { path: { id } }, parseAs: 'blob' })),
  );
}

/** Prints the card letter to the family (a new family access code inside) and opens it; returns its object URL. */
export async function openCardLetter(
  id: string,
  lang: NonNullable<RequestBody<'printCardLetter'>>['lang'],
): Promise<string> {
  return openPdfBlob(
    await unwrapBlob(
      await api.POST('/api/v1/cards/{id}/letter', { params: { path: { id } }, body: { lang }, parseAs: 'blob' }),
    ),
  );
}

/**
 * Sends a CSV file to the import (dry run or import). The contract does not describe this body (the
 * route reads `text/csv` itself), so it goes through the client as it is, with its own content type.
 */
export async function postImport(file: File, query: QueryOf<'createImport'>): Promise<ImportJob> {
  return unwrap(
    await api.POST('/api/v1/imports', {
      params: { query: { ...query, fileName: file.name.slice(0, 200) } },
      body: file as never,
      bodySerializer: (body: unknown) => body,
      headers: { 'content-type': 'text/csv' },
    }),
  );
}

export async function getImport(id: string, signal?: AbortSignal): Promise<ImportJob> {
  return unwrap(await api.GET('/api/v1/imports/{id}', { params: { path: { id } }, signal }));
}

export type AccessLogEntry = components['schemas']['AccessLogEntry'];

/** The child's access log (Zugriffsprotokoll), newest first. */
export async function getAccessLog(id: string, pageSize: number, signal?: AbortSignal) {
  return unwrap(
    await api.GET('/api/v1/beneficiaries/{id}/access-log', {
      params: { path: { id }, query: { page: 1, pageSize } },
      signal,
    }),
  );
}

/** Saves the Art. 15 information for the family: the German PDF, or the same as JSON. */
export async function downloadDataExport(id: string, format: 'pdf' | 'json'): Promise<void> {
  const result = await api.GET('/api/v1/beneficiaries/{id}/data-export', {
    params: { path: { id }, query: { format } },
    parseAs: 'blob',
  });
  await saveDownload(result, `auskunft-${id}.${format}`);
}

export type ImportSummary = Omit<ImportJob, 'report'>;
export type ImportedChild = components['schemas']['ImportedChild'];

/** The latest imports, newest first (dry runs included). */
export async function listImports(signal?: AbortSignal): Promise<ImportSummary[]> {
  return unwrap(await api.GET('/api/v1/imports', { signal })).items;
}

/** The children an import created, with their cards. */
export async function listImportChildren(id: string, signal?: AbortSignal): Promise<ImportedChild[]> {
  return unwrap(await api.GET('/api/v1/imports/{id}/children', { params: { path: { id } }, signal })).items;
}

/** Downloads the import template (example rows with every allowed value). */
export async function downloadImportTemplate(): Promise<void> {
  const result = await api.GET('/api/v1/imports/template.csv', { parseAs: 'blob' });
  await saveDownload(result, 'teilhabekarte-import-vorlage.csv');
}
