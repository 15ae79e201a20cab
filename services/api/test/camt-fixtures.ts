import { XMLParser } from 'fast-xml-parser';

/**
 * Writes camt.054 / camt.053 documents the way a bank answers the project's own pain.001 files:
 * one booked debit per credit transfer (EndToEndId and amount from the pain.001), plus whatever a
 * test adds (returns, unknown EndToEndIds, wrong amounts). Used by the tests and by
 * `fixtures/camt/generate.ts`, which keeps a set of generated documents as fixtures.
 */

export interface PainTransfer {
  endToEndId: string;
  amount: string;
  creditorName: string;
  creditorIban: string;
}

/** The transfers of a pain.001.001.09 document (EndToEndId, amount as written, creditor). */
export function transfersOfPain(painXml: string): { messageId: string; debtorIban: string; transfers: PainTransfer[] } {
  const doc = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    processEntities: false,
    isArray: (name) => name === 'PmtInf' || name === 'CdtTrfTxInf',
  }).parse(painXml).Document.CstmrCdtTrfInitn;
  const transfers: PainTransfer[] = [];
  for (const info of doc.PmtInf) {
    for (const tx of info.CdtTrfTxInf) {
      transfers.push({
        endToEndId: tx.PmtId.EndToEndId,
        amount: String(tx.Amt.InstdAmt),
        creditorName: tx.Cdtr.Nm,
        creditorIban: tx.CdtrAcct.Id.IBAN,
      });
    }
  }
  return { messageId: doc.GrpHdr.MsgId, debtorIban: doc.PmtInf[0].DbtrAcct.Id.IBAN, transfers };
}

export interface CamtEntry {
  endToEndId: string;
  amount: string;
  direction?: 'DBIT' | 'CRDT';
  returnReason?: string;
  status?: 'BOOK' | 'PDNG';
  creditorName?: string;
  creditorIban?: string;
  painMessageId?: string;
}

const escapeXml = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function entryXml(e: CamtEntry, index: number, valueDate: string, version: '08' | '02'): string {
  const direction = e.direction ?? (e.returnReason ? 'CRDT' : 'DBIT');
  const status = version === '08' ? `<Sts><Cd>${e.status ?? 'BOOK'}</Cd></Sts>` : `<Sts>${e.status ?? 'BOOK'}</Sts>`;
  const subFamily = e.returnReason ? 'RRTN' : 'ESCT';
  const party = e.creditorName
    ? `<RltdPties><Cdtr>${version === '08' ? '<Pty>' : ''}<Nm>${escapeXml(e.creditorName)}</Nm>${version === '08' ? '</Pty>' : ''}</Cdtr>${
        e.creditorIban ? `<CdtrAcct><Id><IBAN>${e.creditorIban}</IBAN></Id></CdtrAcct>` : ''
      }</RltdPties>`
    : '';
  const returnInfo = e.returnReason
    ? `<RtrInf><Rsn><Cd>${e.returnReason}</Cd></Rsn><AddtlInf>Rueckueberweisung</AddtlInf></RtrInf>`
    : '';
  return `<Ntry><NtryRef>${index + 1}</NtryRef><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${direction}</CdtDbtInd>${status}<BookgDt><Dt>${valueDate}</Dt></BookgDt><ValDt><Dt>${valueDate}</Dt></ValDt><AcctSvcrRef>BANKREF-${valueDate.replaceAll('-', '')}-${String(index + 1).padStart(4, '0')}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>${subFamily}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>${
    e.painMessageId ? `<MsgId>${e.painMessageId}</MsgId>` : ''
  }<EndToEndId>${escapeXml(e.endToEndId)}</EndToEndId></Refs><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${direction}</CdtDbtInd>${party}${returnInfo}</TxDtls></NtryDtls></Ntry>`;
}

/** A camt.054 (debit notification) or camt.053 (statement) document with the given entries. */
export function camtDocument(input: {
  kind: '054' | '053';
  version?: '08' | '02';
  messageId: string;
  createdAt: string;
  accountIban: string;
  valueDate: string;
  entries: CamtEntry[];
}): string {
  const version = input.version ?? '08';
  const entries = input.entries.map((e, i) => entryXml(e, i, input.valueDate, version)).join('\n      ');
  const account = `<Acct><Id><IBAN>${input.accountIban}</IBAN></Id><Ccy>EUR</Ccy></Acct>`;
  const header = `<GrpHdr><MsgId>${input.messageId}</MsgId><CreDtTm>${input.createdAt}</CreDtTm></GrpHdr>`;
  const ns = `urn:iso:std:iso:20022:tech:xsd:camt.${input.kind}.001.${version}`;
  if (input.kind === '054') {
    return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${ns}">
  <BkToCstmrDbtCdtNtfctn>
    ${header}
    <Ntfctn><Id>${input.messageId}-1</Id><CreDtTm>${input.createdAt}</CreDtTm>${account}
      ${entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
`;
  }
  const balance = (code: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>${input.valueDate}</Dt></Dt></Bal>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${ns}">
  <BkToCstmrStmt>
    ${header}
    <Stmt><Id>${input.messageId}-1</Id><CreDtTm>${input.createdAt}</CreDtTm>${account}${balance('OPBD')}${balance('CLBD')}
      ${entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}

/** The bank's answer to a pain.001: one booked debit per transfer, then the extra entries. */
export function camtForPain(
  painXml: string,
  options: {
    kind: '054' | '053';
    version?: '08' | '02';
    messageId: string;
    valueDate: string;
    /** EndToEndId → return reason: that transfer comes back (a credit with return information). */
    returns?: Record<string, string>;
    /** EndToEndId → amount to book instead of the ordered one (a mismatch). */
    amounts?: Record<string, string>;
    extra?: CamtEntry[];
  },
): string {
  const pain = transfersOfPain(painXml);
  const entries: CamtEntry[] = pain.transfers.map((t) => ({
    endToEndId: t.endToEndId,
    amount: options.amounts?.[t.endToEndId] ?? t.amount,
    creditorName: t.creditorName,
    creditorIban: t.creditorIban,
    painMessageId: pain.messageId,
  }));
  for (const t of pain.transfers) {
    const reason = options.returns?.[t.endToEndId];
    if (reason) entries.push({ endToEndId: t.endToEndId, amount: t.amount, returnReason: reason });
  }
  entries.push(...(options.extra ?? []));
  return camtDocument({
    kind: options.kind,
    version: options.version ?? '08',
    messageId: options.messageId,
    createdAt: `${options.valueDate}T18:00:00+01:00`,
    accountIban: pain.debtorIban,
    valueDate: options.valueDate,
    entries,
  });
}
