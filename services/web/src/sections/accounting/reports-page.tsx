import { benefitTypeName, legalBasisName } from '@tk/core';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useCostBearerName } from '../../api/catalogue';
import { Alert, Button, berlinToday, Field, formatCents, formatDate, formatMonth } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { type DateRange, downloadReportCsv, loadReports, type ReportKind } from './accounting-api';
import { PageHead } from './common';

const percentFormat = new Intl.NumberFormat('de-DE', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The reports (no personal data): reimbursement, take-up, spend per provider, lapsed budgets; on screen and as CSV. */
export function ReportsPage() {
  const today = berlinToday();
  const [draft, setDraft] = useState<DateRange>({ from: `${today.slice(0, 4)}-01-01`, to: today });
  const [range, setRange] = useState<DateRange>(draft);
  const { data: reports, error, loading } = useLoad((signal) => loadReports(range, signal), [range]);
  const costBearerName = useCostBearerName();

  return (
    <section aria-labelledby="page-title">
      <PageHead title="Berichte" />
      <div class="card">
        <form
          class="acc-form"
          aria-label="Berichtszeitraum"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (draft.from && draft.to) setRange({ ...draft });
          }}
        >
          <Field
            name="from"
            type="date"
            label="Von"
            value={draft.from}
            required
            onInput={(e) => setDraft((d) => ({ ...d, from: e.currentTarget.value }))}
          />
          <Field
            name="to"
            type="date"
            label="Bis"
            value={draft.to}
            required
            onInput={(e) => setDraft((d) => ({ ...d, to: e.currentTarget.value }))}
          />
          <div class="acc-form-action">
            <Button type="submit" busy={loading} disabled={!draft.from || !draft.to}>
              Berichte anzeigen
            </Button>
          </div>
        </form>
        <p class="muted">
          Zeitraum {formatDate(range.from)} – {formatDate(range.to)}. Die Berichte enthalten keine personenbezogenen
          Daten.
        </p>
        {error && <Alert tone="error">{error}</Alert>}
      </div>
      {reports && (
        <>
          <ReportCard
            kind="reimbursement"
            range={range}
            title="Erstattung nach Zahlungsdatum"
            description="Ausgezahlte Beträge nach Zahlungsdatum, Rechtsgrundlage und Kostenträger. SGB II und BKGG erstattet der Bund nach Zahlungsdatum (Kassenprinzip)."
          >
            <table class="acc-table" data-testid="report-reimbursement">
              <caption class="visually-hidden">Erstattung nach Zahlungsdatum</caption>
              <thead>
                <tr>
                  <th scope="col">Zahlungsdatum</th>
                  <th scope="col">Rechtsgrundlage</th>
                  <th scope="col">Kostenträger</th>
                  <th scope="col">Bundeserstattung</th>
                  <th scope="col" class="num">
                    Betrag
                  </th>
                </tr>
              </thead>
              <tbody>
                {reports.reimbursement.items.length === 0 && <EmptyRow columns={5} />}
                {reports.reimbursement.items.map((r) => (
                  <tr key={`${r.paymentDate}-${r.legalBasis}-${r.costBearer}`}>
                    <td>{formatDate(r.paymentDate)}</td>
                    <td>{legalBasisName(r.legalBasis)}</td>
                    <td>{costBearerName(r.costBearer)}</td>
                    <td>{r.federalRefund ? 'ja' : 'nein'}</td>
                    <td class="num">{formatCents(r.amountCents)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={4}>
                    Bundeserstattung (SGB II, BKGG)
                  </th>
                  <td class="num">{formatCents(reports.reimbursement.federalRefundCents)}</td>
                </tr>
                <tr>
                  <th scope="row" colSpan={4}>
                    Übrige (SGB XII, AsylbLG)
                  </th>
                  <td class="num">{formatCents(reports.reimbursement.otherCents)}</td>
                </tr>
              </tfoot>
            </table>
          </ReportCard>

          <ReportCard
            kind="take-up"
            range={range}
            title="Inanspruchnahme nach Leistung und Monat"
            description="Kinder mit mindestens einer Buchung im Verhältnis zu Kindern mit gültiger Bewilligung."
          >
            <table class="acc-table" data-testid="report-take-up">
              <caption class="visually-hidden">Inanspruchnahme nach Leistung und Monat</caption>
              <thead>
                <tr>
                  <th scope="col">Monat</th>
                  <th scope="col">Leistung</th>
                  <th scope="col" class="num">
                    Kinder mit Buchung
                  </th>
                  <th scope="col" class="num">
                    Kinder mit Bewilligung
                  </th>
                  <th scope="col" class="num">
                    Quote
                  </th>
                </tr>
              </thead>
              <tbody>
                {reports.takeUp.items.length === 0 && <EmptyRow columns={5} />}
                {reports.takeUp.items.map((r) => (
                  <tr key={`${r.month}-${r.benefitType}`}>
                    <td>{formatMonth(r.month)}</td>
                    <td>{benefitTypeName(r.benefitType)}</td>
                    <td class="num">{r.childrenWithBooking}</td>
                    <td class="num">{r.childrenWithApproval}</td>
                    <td class="num">{r.takeUpPercent === null ? '–' : `${percentFormat.format(r.takeUpPercent)} %`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ReportCard>

          <ReportCard
            kind="provider-spend"
            range={range}
            title="Ausgaben je Anbieter"
            description="Gebuchte Beträge je Anbieter und Leistung nach Leistungsdatum (ohne Stornos)."
          >
            <table class="acc-table" data-testid="report-provider-spend">
              <caption class="visually-hidden">Ausgaben je Anbieter</caption>
              <thead>
                <tr>
                  <th scope="col">Anbieter</th>
                  <th scope="col">Leistung</th>
                  <th scope="col" class="num">
                    Buchungen
                  </th>
                  <th scope="col" class="num">
                    Betrag
                  </th>
                </tr>
              </thead>
              <tbody>
                {reports.spend.items.length === 0 && <EmptyRow columns={4} />}
                {reports.spend.items.map((r) => (
                  <tr key={`${r.providerId}-${r.benefitType}`}>
                    <td>{r.providerName}</td>
                    <td>{benefitTypeName(r.benefitType)}</td>
                    <td class="num">{r.bookings}</td>
                    <td class="num">{formatCents(r.amountCents)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={3}>
                    Summe
                  </th>
                  <td class="num" data-testid="spend-total">
                    {formatCents(reports.spend.totalCents)}
                  </td>
                </tr>
              </tfoot>
            </table>
          </ReportCard>

          <ReportCard
            kind="lapsed"
            range={range}
            title="Verfallene Budgets"
            description="Restbudgets, die nach dem letzten Buchungstag (Ende des Zeitraums und Nachfrist) verfallen sind, nach Monat des Verfalls, Leistung und Rechtsgrundlage. Verfallenes Geld ist keine Ausgabe und wird an niemanden gezahlt."
          >
            <table class="acc-table" data-testid="report-lapsed">
              <caption class="visually-hidden">Verfallene Budgets</caption>
              <thead>
                <tr>
                  <th scope="col">Monat</th>
                  <th scope="col">Leistung</th>
                  <th scope="col">Rechtsgrundlage</th>
                  <th scope="col">Kostenträger</th>
                  <th scope="col" class="num">
                    Bewilligungen
                  </th>
                  <th scope="col" class="num">
                    Verfallen
                  </th>
                </tr>
              </thead>
              <tbody>
                {reports.lapsed.items.length === 0 && <EmptyRow columns={6} />}
                {reports.lapsed.items.map((r) => (
                  <tr key={`${r.month}-${r.benefitType}-${r.legalBasis}-${r.costBearer}`}>
                    <td>{formatMonth(r.month)}</td>
                    <td>{benefitTypeName(r.benefitType)}</td>
                    <td>{legalBasisName(r.legalBasis)}</td>
                    <td>{costBearerName(r.costBearer)}</td>
                    <td class="num">{r.approvals}</td>
                    <td class="num">{formatCents(r.lapsedCents)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={5}>
                    Summe
                  </th>
                  <td class="num" data-testid="lapsed-total">
                    {formatCents(reports.lapsed.totalCents)}
                  </td>
                </tr>
              </tfoot>
            </table>
          </ReportCard>
        </>
      )}
    </section>
  );
}

function EmptyRow({ columns }: { columns: number }) {
  return (
    <tr>
      <td colSpan={columns} class="empty">
        Keine Daten in diesem Zeitraum.
      </td>
    </tr>
  );
}

function ReportCard(props: {
  kind: ReportKind;
  range: DateRange;
  title: string;
  description: string;
  children: ComponentChildren;
}) {
  const { busy, error, run } = useAction();
  const headingId = `report-${props.kind}-title`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <div class="acc-head">
        <h2 id={headingId} class="acc-card-title">
          {props.title}
        </h2>
        <Button
          variant="secondary"
          busy={busy !== undefined}
          aria-label={`CSV herunterladen: ${props.title}`}
          onClick={() => run('csv', () => downloadReportCsv(props.kind, props.range))}
        >
          CSV herunterladen
        </Button>
      </div>
      <p class="muted">{props.description}</p>
      {error && <Alert tone="error">{error}</Alert>}
      <div class="table-wrap">{props.children}</div>
    </section>
  );
}
