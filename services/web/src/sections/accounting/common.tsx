import type { ComponentChildren } from 'preact';
import { linkClick } from '../../router';
import type { Batch, PaymentFile } from './accounting-api';
import { BATCH_STATUS_LABELS, PAYMENT_FILE_STATUS_LABELS } from './labels';

export const BASE = '/buchhaltung';
export const batchPath = (id: string) => `${BASE}/abrechnungen/${encodeURIComponent(id)}`;
export const paymentFilePath = (id: string) => `${BASE}/zahlungsdateien/${encodeURIComponent(id)}`;

export function BatchStatusChip({ status }: { status: Batch['status'] }) {
  return <span class={`acc-status acc-status-${status}`}>{BATCH_STATUS_LABELS[status]}</span>;
}

export function PaymentFileStatusChip({ status }: { status: PaymentFile['status'] }) {
  return <span class={`acc-status acc-status-${status}`}>{PAYMENT_FILE_STATUS_LABELS[status]}</span>;
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
