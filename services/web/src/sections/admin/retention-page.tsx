import { useState } from 'preact/hooks';
import { loadCatalogue } from '../../api/catalogue';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api-types';
import { Alert, Button, Field } from '../../ui';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { FormSummary } from '../../ui/form-summary';
import { useAction } from '../../ui/use-action';
import { type FieldErrors, useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import type { CitySettings } from './admin-api';

type RetentionRun = components['schemas']['RetentionRun'];

const SETTINGS = [
  {
    key: 'retentionMonths',
    label: 'Löschfrist für Kinder in Monaten',
    hint: 'So lange nach dem letzten Buchungstag (Ende der Bewilligung plus Nachfrist) bleiben Namen, Geburtsdatum und Aktenzeichen gespeichert.',
    max: 240,
  },
  {
    key: 'idempotencyKeyRetentionDays',
    label: 'Wiederholungsschlüssel in Tagen',
    hint: 'Schlüssel, mit denen Kassen eine Buchung sicher wiederholen.',
    max: 3650,
  },
  {
    key: 'declineRetentionDays',
    label: 'Abgelehnte Buchungsversuche in Tagen',
    hint: undefined,
    max: 3650,
  },
  {
    key: 'throttleCounterRetentionHours',
    label: 'Zähler für Fehlversuche in Stunden',
    hint: 'Anmeldung, Familienzugang und Ablehnungen; gezählt wird nach Ablauf ihres Zeitfensters.',
    max: 8760,
  },
] as const;
type SettingKey = (typeof SETTINGS)[number]['key'];

/** Löschfristen: the retention settings, a dry run with the counts, then the run itself (runRetention). */
export function RetentionPage() {
  const { data: catalogue, error, reload } = useLoad(() => loadCatalogue(true), []);
  if (!catalogue) return error ? <Alert tone="error">{error}</Alert> : <p class="muted">Wird geladen …</p>;
  return (
    <>
      <h2>Löschfristen</h2>
      <div class="cols">
        <RetentionRunCard />
        <RetentionSettingsForm key={catalogue.settings.updatedAt} settings={catalogue.settings} onSaved={reload} />
      </div>
    </>
  );
}

function countsOf(run: RetentionRun): [string, number][] {
  return [
    ['Kinder, die pseudonymisiert werden', run.pseudonymisedCount],
    ['Karten, die deaktiviert werden', run.deactivatedCards],
    ['Wiederholungsschlüssel', run.deleted.idempotencyKeys],
    ['Abgelehnte Buchungsversuche', run.deleted.declines],
    ['Zähler für Fehlversuche', run.deleted.throttleCounters + run.deleted.familyAccessFailures],
    ['Abgelaufene Abmeldungen', run.deleted.revokedTokens],
  ];
}

function RetentionRunCard() {
  const action = useAction<'dry' | 'run'>();
  const [preview, setPreview] = useState<RetentionRun>();
  const [done, setDone] = useState<RetentionRun>();
  const [confirming, setConfirming] = useState(false);

  const start = (dryRun: boolean) =>
    action.run(dryRun ? 'dry' : 'run', async () => {
      const run = unwrap(await api.POST('/api/v1/admin/retention-runs', { body: { dryRun } }));
      if (dryRun) {
        setPreview(run);
        setDone(undefined);
      } else {
        setDone(run);
        setPreview(undefined);
      }
    });

  return (
    <section class="card" aria-labelledby="retention-run-title" data-testid="retention-panel">
      <h3 id="retention-run-title">Löschlauf</h3>
      <p class="muted">
        Kinder, deren Bewilligungen alle länger als die Löschfrist beendet sind und bei denen nichts mehr abzurechnen
        ist, werden pseudonymisiert: Namen, Geburtsdatum und Aktenzeichen werden entfernt, Karten deaktiviert.
        Buchungen, Abrechnungen und Zahlungen bleiben erhalten. Der Lauf läuft auch jede Nacht.
      </p>
      {action.error && <Alert tone="error">{action.error}</Alert>}
      {done && (
        <Alert tone="success" title="Löschlauf abgeschlossen">
          {done.pseudonymisedCount === 1 ? 'Ein Kind wurde' : `${done.pseudonymisedCount} Kinder wurden`}{' '}
          pseudonymisiert,{' '}
          {done.deleted.idempotencyKeys +
            done.deleted.declines +
            done.deleted.throttleCounters +
            done.deleted.familyAccessFailures +
            done.deleted.revokedTokens}{' '}
          abgelaufene Einträge gelöscht.
        </Alert>
      )}
      {preview && (
        <div data-testid="retention-preview">
          <p>
            <strong>Probelauf:</strong> Es wurde nichts geändert. Ein Löschlauf würde jetzt:
          </p>
          <table>
            <caption class="visually-hidden">Ergebnis des Probelaufs</caption>
            <tbody>
              {countsOf(preview).map(([label, n]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td class="num">{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div class="form-actions">
        <Button variant="secondary" busy={action.busy === 'dry'} onClick={() => start(true)}>
          Probelauf (nur zählen)
        </Button>
        <Button
          variant="danger"
          disabled={!preview}
          busy={action.busy === 'run'}
          onClick={() => setConfirming(true)}
          title={preview ? undefined : 'Erst einen Probelauf machen'}
        >
          Löschlauf starten
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Löschlauf starten?"
        confirmLabel="Jetzt pseudonymisieren und löschen"
        tone="danger"
        busy={action.busy === 'run'}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          await start(false);
          setConfirming(false);
        }}
      >
        <p>{preview?.pseudonymisedCount ?? 0} Kinder werden pseudonymisiert. Das lässt sich nicht rückgängig machen.</p>
      </ConfirmDialog>
    </section>
  );
}

function RetentionSettingsForm({ settings, onSaved }: { settings: CitySettings; onSaved: () => void }) {
  const form = useForm<Record<SettingKey, string>>({
    initial: () =>
      Object.fromEntries(SETTINGS.map((s) => [s.key, String(settings[s.key])])) as Record<SettingKey, string>,
    validate(v) {
      const errors: FieldErrors = {};
      for (const s of SETTINGS) {
        const n = /^\d{1,4}$/.test(v[s.key].trim()) ? Number(v[s.key]) : Number.NaN;
        if (!(n >= 1 && n <= s.max)) errors[s.key] = `Bitte eine ganze Zahl von 1 bis ${s.max} eingeben.`;
      }
      return errors;
    },
    async submit(v) {
      unwrap(
        await api.PATCH('/api/v1/catalogue/settings', {
          body: Object.fromEntries(SETTINGS.map((s) => [s.key, Number(v[s.key])])),
        }),
      );
      onSaved();
      return 'Löschfristen gespeichert.';
    },
  });
  return (
    <form ref={form.ref} class="card" onSubmit={form.submit} noValidate aria-labelledby="retention-settings-title">
      <h3 id="retention-settings-title">Fristen</h3>
      {form.notice && <Alert tone="success">{form.notice}</Alert>}
      <FormSummary text={form.summary} />
      {SETTINGS.map((s) => (
        <Field key={s.key} label={s.label} {...form.field(s.key)} inputMode="numeric" hint={s.hint} />
      ))}
      <Button type="submit" busy={form.busy}>
        Fristen speichern
      </Button>
    </form>
  );
}
