import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { InvalidBankStatement } from './bank-statements.errors.ts';

/**
 * Reading ISO 20022 cash management messages from the bank: camt.054 (debit/credit notification)
 * and camt.053 (statement), versions .001.08 and .001.02. Only what reconciliation needs is read:
 * booked entries with amount, direction, value date, EndToEndId and return reason.
 */

export const CAMT_FORMATS = {
  'camt.054.001.08': 'BkToCstmrDbtCdtNtfctn',
  'camt.054.001.02': 'BkToCstmrDbtCdtNtfctn',
  'camt.053.001.08': 'BkToCstmrStmt',
  'camt.053.001.02': 'BkToCstmrStmt',
} as const;
export type CamtFormat = keyof typeof CAMT_FORMATS;

export interface CamtTransaction {
  /** The bank's reference of the entry plus the transaction's position: stable across re-imports. */
  entryRef: string;
  direction: 'debit' | 'credit';
  endToEndId: string | null;
  amountCents: number;
  valueDate: string | null;
  /** Return reason code (ExternalReturnReason1Code, e.g. AC04) when this is a returned transfer. */
  returnReason: string | null;
}

export interface CamtDocument {
  format: CamtFormat;
  messageId: string;
  transactions: CamtTransaction[];
}

const MAX_BYTES = 20 * 1024 * 1024;
const REPEATED = new Set(['Ntfctn', 'Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'RtrInf']);

// Entities are never expanded (no DTD from outside is trusted, no billion laughs); numbers stay text,
// so amounts are converted to cents without floating point.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Tag prefixes (`ns2:Document`) are dropped by hand: the library's removeNSPrefix also drops the
  // xmlns attributes, which name the message type and version.
  transformTagName: (name) => name.replace(/^[^:]+:/, ''),
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATED.has(name),
});

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
const list = (value: unknown): Node[] => (Array.isArray(value) ? value.map(asNode).filter((n) => n !== undefined) : []);
function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  const node = asNode(value);
  if (node && typeof node['#text'] === 'string') return node['#text'].trim() || null;
  return null;
}
const path = (node: Node | undefined, ...keys: string[]): unknown =>
  keys.reduce<unknown>((current, key) => asNode(current)?.[key], node);

/** `"1234.5"` → `123450`; refuses anything that is not a non-negative amount with at most two decimals. */
export function amountToCents(value: string | null): number | null {
  if (!value) return null;
  const m = /^(\d{1,15})(?:\.(\d{1,2}))?$/.exec(value);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

function amountOf(node: unknown, where: string): { cents: number; currency: string | null } {
  const cents = amountToCents(text(node));
  if (cents === null) throw new InvalidBankStatement(`Betrag „${text(node) ?? ''}“ in ${where} ist ungültig.`);
  return { cents, currency: (asNode(node)?.['@Ccy'] as string | undefined) ?? null };
}

const dateOf = (node: unknown): string | null => {
  const value = text(path(asNode(node), 'Dt')) ?? text(path(asNode(node), 'DtTm'));
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
};

/**
 * Parses a camt.053/camt.054 document. Throws 400 `invalid_bank_statement` (German reason) for
 * anything else: not XML, a document type declaration, another message type or version, no message id.
 */
export function parseCamt(xml: string): CamtDocument {
  if (xml.length === 0) throw new InvalidBankStatement('Die Datei ist leer.');
  if (xml.length > MAX_BYTES) throw new InvalidBankStatement('Die Datei ist größer als 20 MB.');
  // camt never carries a DTD; refusing one outright keeps entity tricks out entirely.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new InvalidBankStatement('Dokumenttyp-Deklarationen sind nicht erlaubt.');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new InvalidBankStatement(`kein gültiges XML (Zeile ${valid.err.line}: ${valid.err.msg}).`);
  }
  const root = asNode(parser.parse(xml))?.Document;
  const documentNode = asNode(root);
  const namespaces = Object.entries(documentNode ?? {})
    .filter(([key]) => key === '@xmlns' || key.startsWith('@xmlns:'))
    .map(([, value]) => String(value));
  const format = namespaces
    .map((ns) => /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34]\.001\.0[28])$/.exec(ns)?.[1])
    .find((f) => f !== undefined) as CamtFormat | undefined;
  if (!documentNode || !format) {
    throw new InvalidBankStatement(
      'erwartet wird ein ISO-20022-Dokument camt.054.001.08 oder camt.053.001.08 (auch .001.02).',
    );
  }
  const message = asNode(documentNode[CAMT_FORMATS[format]]);
  const messageId = text(path(message, 'GrpHdr', 'MsgId'));
  if (!message || !messageId) throw new InvalidBankStatement('die Nachrichten-ID (GrpHdr/MsgId) fehlt.');

  const reports = list(message[format.startsWith('camt.054') ? 'Ntfctn' : 'Stmt']);
  const transactions: CamtTransaction[] = [];
  reports.forEach((report, reportIndex) => {
    const reportId = text(report.Id) ?? String(reportIndex + 1);
    list(report.Ntry).forEach((entry, entryIndex) => {
      // .001.08: <Sts><Cd>BOOK</Cd></Sts>; .001.02: <Sts>BOOK</Sts>. Pending entries are not money yet.
      const status = text(path(entry, 'Sts', 'Cd')) ?? text(entry.Sts);
      if (status !== 'BOOK') return;
      const direction = text(entry.CdtDbtInd) === 'DBIT' ? 'debit' : 'credit';
      const entryAmount = amountOf(entry.Amt, `Buchung ${entryIndex + 1}`);
      if (entryAmount.currency && entryAmount.currency !== 'EUR') return;
      const valueDate = dateOf(entry.ValDt) ?? dateOf(entry.BookgDt);
      const entryRef = text(entry.AcctSvcrRef) ?? text(entry.NtryRef) ?? `${reportId}/${entryIndex + 1}`;
      const details = list(entry.NtryDtls).flatMap((d) => list(d.TxDtls));
      if (details.length === 0) {
        transactions.push({
          entryRef,
          direction,
          endToEndId: null,
          amountCents: entryAmount.cents,
          valueDate,
          returnReason: null,
        });
        return;
      }
      details.forEach((tx, txIndex) => {
        const txAmount = tx.Amt ?? path(tx, 'AmtDtls', 'TxAmt', 'Amt');
        const amountCents =
          txAmount !== undefined ? amountOf(txAmount, `Buchung ${entryIndex + 1}`).cents : entryAmount.cents;
        const endToEndId = text(path(tx, 'Refs', 'EndToEndId'));
        const returnInfo = list(tx.RtrInf)[0];
        const returnReason = returnInfo
          ? (text(path(returnInfo, 'Rsn', 'Cd')) ?? text(path(returnInfo, 'Rsn', 'Prtry')) ?? 'NARR')
          : null;
        transactions.push({
          entryRef: details.length === 1 ? entryRef : `${entryRef}#${txIndex + 1}`,
          direction,
          endToEndId: endToEndId === 'NOTPROVIDED' ? null : endToEndId,
          amountCents,
          valueDate,
          returnReason,
        });
      });
    });
  });
  return { format, messageId, transactions };
}
