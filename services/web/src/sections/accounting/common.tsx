import { BATCH_STATUS_NAMES, PAYMENT_FILE_STATUS_NAMES } from '@tk/core';
import type { ComponentChildren } from 'preact';
import { linkClick } from '../../router';
import type { SessionUser } from '../../session';
import { formatDate } from '../../ui';
import type { Batch, PaymentFile } from './accounting-api';

export const BASE = '/buchhaltung';
export const batchPath = (id: string) => `${BASE}/abrechnungen/${encodeURIComponent(id)}`;
export const paymentFilePath = (id: string) => `${BASE}/zahlungsdateien/${encodeURIComponent(id)}`;

export function BatchStatusChip({ status }: { status: Batch['status'] }) {
  return <span class={`acc-status acc-status-${status}`}>{BATCH_STATUS_NAMES[status]}</span>;
}

export function PaymentFileStatusChip({ status }: { status: PaymentFile['status'] }) {
  return <span class={`acc-status acc-status-${status}`}>{PAYMENT_FILE_STATUS_NAMES[status]}</span>;
}

/** An internal link (history navigation, still a real link for keyboard and screen readers). */
export function Link({
  href,
  children,
  class: className,
}: {
  href: string;
  children: ComponentChildren;
  class?: string;
}) {
  return (
    <a href={href} onClick={linkClick} class={className}>
      {children}
    </a>
  );
}

/** The page's heading; the section moves focus to it after a navigation inside the desk. */
export function PageHead({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="acc-head">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </div>
  );
}

/**
 * Who did a step, by username (the API sends it beside the id); the signed-in user recognises
 * themself ("Ihnen"). Without a name (a step done by the system, e.g. a bank statement import) it says so.
 */
export function actorLabel(userId: string | null | undefined, username: string | null | undefined, me: SessionUser) {
  if (!userId) return '–';
  if (userId === me.id) return `Ihnen (${me.username})`;
  return username ?? 'dem System';
}

/** Batches of a period: `01.11.2026 – 20.11.2026`, or one date. */
export function period(b: Pick<Batch, 'periodFrom' | 'periodTo'>): string {
  if (!b.periodFrom || !b.periodTo) return '–';
  if (b.periodFrom === b.periodTo) return formatDate(b.periodFrom);
  return `${formatDate(b.periodFrom)} – ${formatDate(b.periodTo)}`;
}
