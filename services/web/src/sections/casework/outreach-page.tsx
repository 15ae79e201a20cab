import { benefitTypeName, berlinDate } from '@tk/core';
import { useState } from 'preact/hooks';
import { districtOptions, useDistricts } from '../../api/catalogue';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api-types';
import { linkClick } from '../../router';
import { Alert, Button, type Column, Field, formatDate, Table } from '../../ui';
import { saveDownload } from '../../ui/download';
import { SelectField } from '../../ui/select-field';
import { useAction } from '../../ui/use-action';
import { useLoad } from '../../ui/use-load';
import { childPath, openCardLetter } from './casework-api';

type DistrictRow = components['schemas']['DistrictTakeUpReport']['items'][number];
type OutreachItem = components['schemas']['OutreachList']['items'][number];

const firstOfMonth = (date: string) => `${date.slice(0, 8)}01`;

/**
 * Inanspruchnahme: take-up by district and benefit type (counts under 5 shown as "< 5"), and the outreach
 * list: children with an active approval and no booking N weeks after it began, each with a one-click
 * reminder (the card letter again). Caseworkers only.
 */
export function OutreachPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Inanspruchnahme</h1>
      <DistrictReport />
      <OutreachList />
    </section>
  );
}

function DistrictReport() {
  const today = berlinDate(new Date());
  const [range, setRange] = useState({ from: firstOfMonth(today), to: today });
  const report = useLoad(
    async (signal) => {
      const data = unwrap(
        await api.GET('/api/v1/reports/take-up-by-district', {
          params: { query: { ...range, format: 'json' } },
          signal,
        }),
      );
      // With format=json the answer is always the report object, never CSV text.
      return typeof data === 'string' ? { from: range.from, to: range.to, items: [] } : data;
    },
    [range.from, range.to],
  );
  const download = useAction<'csv'>();
  const columns: Column<DistrictRow>[] = [
    { header: 'Stadtbezirk', cell: (r) => r.district ?? 'ohne Bezirk' },
    { header: 'Leistung', cell: (r) => benefitTypeName(r.benefitType) },
    { header: 'Kinder mit Bewilligung', numeric: true, cell: (r) => String(r.childrenWithApproval) },
    { header: 'Kinder mit Buchung', numeric: true, cell: (r) => String(r.childrenWithBooking) },
    {
      header: 'Inanspruchnahme',
      numeric: true,
      cell: (r) => (r.takeUpPercent === null ? '–' : `${r.takeUpPercent.toLocaleString('de-DE')} %`),
    },
  ];
  return (
    <section class="card" aria-labelledby="district-title">
      <h2 id="district-title">Nach Stadtbezirk</h2>
      <p class="muted">
        Kinder mit einer Bewilligung im Zeitraum und wie viele davon gebucht haben. Weniger als 5 Kinder werden als
        „&lt; 5“ gezeigt, damit keine Familie erkennbar ist.
      </p>
      <div class="form-grid">
        <Field
          label="von"
          name="from"
          type="date"
          value={range.from}
          onInput={(e) => setRange({ ...range, from: e.currentTarget.value })}
        />
        <Field
          label="bis"
          name="to"
          type="date"
          value={range.to}
          onInput={(e) => setRange({ ...range, to: e.currentTarget.value })}
        />
      </div>
      {report.error && <Alert tone="error">{report.error}</Alert>}
      {download.error && <Alert tone="error">{download.error}</Alert>}
      {report.data && (
        <Table
          caption="Inanspruchnahme nach Stadtbezirk und Leistung"
          columns={columns}
          rows={report.data.items}
          rowKey={(r) => `${r.district ?? ''}|${r.benefitType}`}
          empty="Keine Bewilligungen im Zeitraum."
        />
      )}
      <div class="form-actions">
        <Button
          variant="secondary"
          busy={download.busy === 'csv'}
          onClick={() =>
            download.run('csv', async () =>
              saveDownload(
                await api.GET('/api/v1/reports/take-up-by-district', {
                  params: { query: { ...range, format: 'csv' } },
                  parseAs: 'blob',
                }),
                `Inanspruchnahme-nach-Bezirk-${range.from}-bis-${range.to}.csv`,
              ),
            )
          }
        >
          Als CSV herunterladen
        </Button>
      </div>
    </section>
  );
}

function OutreachList() {
  const districts = useDistricts();
  const [district, setDistrict] = useState('');
  const list = useLoad(
    (signal) => api.GET('/api/v1/outreach', { params: { query: district ? { district } : {} }, signal }).then(unwrap),
    [district],
  );
  const letters = useAction<string>();
  const [sent, setSent] = useState<string[]>([]);
  const [notice, setNotice] = useState<string>();

  const remind = (item: OutreachItem) =>
    letters.run(item.approvalId, async () => {
      if (!item.activeCardId) return;
      await openCardLetter(item.activeCardId, 'de');
      setSent((s) => [...s, item.beneficiaryId]);
      setNotice(
        `Erinnerungsbrief für ${item.givenName} ${item.familyName} erstellt; er enthält einen neuen Zugangscode, der alte gilt nicht mehr.`,
      );
    });

  const columns: Column<OutreachItem>[] = [
    {
      header: 'Kind',
      cell: (i) => (
        <a href={childPath(i.beneficiaryId)} onClick={linkClick}>
          {i.familyName}, {i.givenName}
        </a>
      ),
    },
    { header: 'Stadtbezirk', cell: (i) => i.district ?? '–' },
    { header: 'Leistung', cell: (i) => benefitTypeName(i.benefitType) },
    { header: 'bewilligt seit', cell: (i) => formatDate(i.validFrom) },
    {
      header: 'Erinnerung',
      cell: (i) =>
        i.activeCardId ? (
          <Button
            variant="secondary"
            busy={letters.busy === i.approvalId}
            onClick={() => void remind(i)}
            aria-label={`Erinnerungsbrief für ${i.givenName} ${i.familyName}`}
          >
            {sent.includes(i.beneficiaryId) ? 'Brief erneut erstellen' : 'Erinnerungsbrief'}
          </Button>
        ) : (
          <span class="muted">keine aktive Karte</span>
        ),
    },
  ];
  return (
    <section class="card" aria-labelledby="outreach-title">
      <h2 id="outreach-title">Noch nicht genutzt</h2>
      {list.data && (
        <p class="muted">
          Kinder mit einer laufenden Bewilligung, die vor mindestens {list.data.weeks} Wochen begonnen hat (spätestens
          am {formatDate(list.data.begunBy)}), und noch keiner Buchung. Der Erinnerungsbrief ist der Brief an die
          Familie mit einem neuen Zugangscode.
        </p>
      )}
      {districts.length > 0 && (
        <SelectField
          label="Stadtbezirk"
          name="district"
          value={district}
          onChange={setDistrict}
          options={[{ value: '', label: 'alle Bezirke' }, ...districtOptions(districts).slice(1)]}
        />
      )}
      {notice && <Alert tone="success">{notice}</Alert>}
      {(list.error || letters.error) && <Alert tone="error">{list.error ?? letters.error}</Alert>}
      {list.data && (
        <Table
          caption="Kinder ohne Buchung"
          columns={columns}
          rows={list.data.items}
          rowKey={(i) => i.approvalId}
          empty="Alle Kinder mit laufender Bewilligung haben schon gebucht."
        />
      )}
    </section>
  );
}
