import { type CivilDate, toSepaText } from '@tk/core';
import { Document as SepaDocument } from 'sepa';

/** The SEPA credit transfer file (pain.001.001.09, ADR 0013), built with the `sepa` library. */
export const PAIN_FORMAT = 'pain.001.001.09';

/** sepa's internal XML node (not exported by the library); used to add the structured address. */
interface SepaNode {
  _name: string;
  _children: SepaNode[];
  appendChild(child: SepaNode): void;
  textContent: string;
}

interface CreditorAddress {
  street: string | null;
  postalCode: string | null;
  town: string;
  country: string;
}

/**
 * sepa@3 writes creditor addresses only as unstructured `AdrLine`s; since November 2025 banks expect
 * structured addresses (ISO 20022 PostalAddress24: StrtNm, PstCd, TwnNm, Ctry). We add them to the
 * library's own node tree (it escapes and serialises), in schema order right after `Nm`.
 */
function withStructuredAddress(transaction: object, address: CreditorAddress): void {
  const target = transaction as { _toXml: () => SepaNode };
  const original = target._toXml.bind(transaction);
  target._toXml = () => {
    const node = original();
    const creditor = node._children.find((c) => c._name === 'Cdtr');
    if (!creditor) return node;
    const Node = creditor.constructor as new (name: string, text?: string) => SepaNode;
    const postal = new Node('PstlAdr');
    if (address.street) postal.appendChild(new Node('StrtNm', sepaText(address.street, 70)));
    if (address.postalCode) postal.appendChild(new Node('PstCd', sepaText(address.postalCode, 16)));
    postal.appendChild(new Node('TwnNm', sepaText(address.town, 35)));
    postal.appendChild(new Node('Ctry', address.country));
    const nameIndex = creditor._children.findIndex((c) => c._name === 'Nm');
    creditor._children.splice(nameIndex + 1, 0, postal);
    return node;
  };
}

/**
 * Text fields in the SEPA character set, transliterated when the file is written (the database and the UI
 * keep the original): no provider's name or address can make a payment file fail.
 */
const sepaText = (value: string, max: number) => toSepaText(value, max) || '-';

/** A calendar date as a Date whose local calendar date is `date` (sepa formats with local time). */
const localDate = (date: CivilDate) =>
  new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), 12);

export interface SepaTransfer {
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  iban: string;
  bic: string | null;
  address: CreditorAddress;
  remittance: string;
}

/** Builds a pain.001.001.09 credit transfer message: one payment information block, one transfer per batch. */
export function buildSepaXml(input: {
  messageId: string;
  createdAt: Date;
  executionDate: CivilDate;
  debtor: { name: string; iban: string; bic: string | null };
  transfers: SepaTransfer[];
}): string {
  const doc = new SepaDocument(PAIN_FORMAT);
  doc.grpHdr.id = input.messageId;
  doc.grpHdr.created = input.createdAt;
  doc.grpHdr.initiatorName = sepaText(input.debtor.name, 70);
  const info = doc.createPaymentInfo();
  info.requestedExecutionDate = localDate(input.executionDate);
  info.debtorName = sepaText(input.debtor.name, 70);
  info.debtorIBAN = input.debtor.iban;
  info.debtorBIC = input.debtor.bic ?? '';
  info.batchBooking = false;
  doc.addPaymentInfo(info);
  for (const t of input.transfers) {
    const tx = info.createTransaction();
    tx.creditorName = sepaText(t.creditorName, 70);
    tx.creditorIBAN = t.iban;
    tx.creditorBIC = t.bic ?? '';
    tx.amount = t.amountCents / 100;
    tx.end2endId = t.endToEndId;
    tx.remittanceInfo = sepaText(t.remittance, 140);
    withStructuredAddress(tx, t.address);
    info.addTransaction(tx);
  }
  return doc.toString();
}

/** The remittance text of one transfer: the statement number, so the provider can match its Gutschrift. */
export const remittanceText = (number: string, cityName: string) => `Gutschrift ${number} Teilhabekarte ${cityName}`;
