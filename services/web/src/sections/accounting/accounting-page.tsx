import { useEffect, useRef } from 'preact/hooks';
import type { Session } from '../../session';
import { SubNav } from '../../ui/subnav';
import './accounting.css';
import { BankStatementsPage } from './bank-statements-page';
import { BatchDetailPage } from './batch-detail-page';
import { BatchesPage } from './batches-page';
import { BookingListPage } from './booking-list-page';
import { BASE } from './common';
import { PaymentFileDetailPage, PaymentFilesPage } from './payment-files-page';
import { ReportsPage } from './reports-page';

const TABS = [
  { path: BASE, label: 'Abrechnungen', owns: `${BASE}/abrechnungen/` },
  { path: `${BASE}/zahlungsdateien`, label: 'Zahlungsdateien', owns: `${BASE}/zahlungsdateien/` },
  { path: `${BASE}/kontoauszuege`, label: 'Kontoauszüge', owns: `${BASE}/kontoauszuege/` },
  { path: `${BASE}/berichte`, label: 'Berichte', owns: `${BASE}/berichte/` },
  { path: `${BASE}/buchungsliste`, label: 'Buchungsliste', owns: `${BASE}/buchungsliste/` },
] as const;

/** Which page a path shows; unknown paths fall back to the batch list. */
function route(path: string): {
  page: 'batches' | 'batch' | 'files' | 'file' | 'statements' | 'reports' | 'booking-list';
  id?: string;
} {
  const rest = path.slice(BASE.length).split('/').filter(Boolean);
  if (rest[0] === 'abrechnungen' && rest[1]) return { page: 'batch', id: decodeURIComponent(rest[1]) };
  if (rest[0] === 'zahlungsdateien' && rest[1]) return { page: 'file', id: decodeURIComponent(rest[1]) };
  if (rest[0] === 'zahlungsdateien') return { page: 'files' };
  if (rest[0] === 'kontoauszuege') return { page: 'statements' };
  if (rest[0] === 'berichte') return { page: 'reports' };
  if (rest[0] === 'buchungsliste') return { page: 'booking-list' };
  return { page: 'batches' };
}

/**
 * Buchhaltung: settlement runs, batches with the four-eyes steps (certify, release), payment files
 * (SEPA XML, booking list), bank statement reconciliation (camt) and the reports, for the city's accounting staff.
 */
export function AccountingPage({ session, path }: { session: Session; path: string }) {
  const current = TABS.find((t) => path === t.path || path.startsWith(t.owns)) ?? TABS[0];
  const { page, id } = route(path);

  // After a navigation inside the desk, start reading (and tabbing) at the new page's heading.
  const previous = useRef(path);
  useEffect(() => {
    if (previous.current === path) return;
    previous.current = path;
    document.getElementById('page-title')?.focus();
    scrollTo(0, 0);
  }, [path]);

  return (
    <>
      <SubNav label="Buchhaltung" tabs={TABS} current={current} />
      {page === 'batches' && <BatchesPage />}
      {page === 'batch' && id && <BatchDetailPage id={id} user={session.user} />}
      {page === 'files' && <PaymentFilesPage />}
      {page === 'file' && id && <PaymentFileDetailPage id={id} />}
      {page === 'statements' && <BankStatementsPage />}
      {page === 'reports' && <ReportsPage />}
      {page === 'booking-list' && <BookingListPage />}
    </>
  );
}
