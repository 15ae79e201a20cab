import { BATCH_LINE_KIND_NAMES, BATCH_STATUS_HINTS, benefitTypeName, legalBasisName } from '@tk/core';
import { useId, useState } from 'preact/hooks';
import { useCostBearerName } from '../../api/catalogue';
import { ApiError, messageOf } from '../../api/problems';
import type { SessionUser } from '../../session';
import { Alert, Button, ConfirmDialog, formatCents, formatDate, formatTimestamp } from '../../ui';
import { useAction } from '../../ui/use-action';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import {
  type Batch,
  type BatchLine,
  type BatchWithLines,
  certifyBatch,
  downloadStatement,
  getBatch,
  getPaymentFile,
  LINES_PAGE,
  markBatchPaid,
  releaseBatch,
  reverseRedemption,
} from './accounting-api';
import { actorLabel, BASE, BatchStatusChip, Link, PageHead, paymentFilePath, period } from './common';
import { PaidDialog } from './paid-dialog';

type Step = 'certify' | 'release' | 'paid';

/** One batch: its facts, the four-eyes steps with who did them when, and its lines (with Storno). */
export function BatchDetailPage({ id, user }: { id: string; user: SessionUser }) {
  const [linesOffset, setLinesOffset] = useState(0);
  // The page of lines shown is the one loaded, not the one asked for: the range and the rows change together.
  const loaded = useLoad(
    async (signal) => ({ ...(await getBatch(id, linesOffset, signal)), shownOffset: linesOffset }),
    [id, linesOffset],
  );
  const batch = loaded.data;
  const [notice, setNotice] = useState<string>();

  const title = batch ? `Abrechnung ${batch.number}` : 'Abrechnung';
  return (
    <section aria-labelledby="page-title">
      <Link href={BASE} class="acc-back">
        ← Alle Abrechnungen
      </Link>
      <PageHead title={title}>{batch && <StatementButton batch={batch} />}</PageHead>
      {loaded.error && (
        <Alert tone="error">
          <p>{loaded.error}</p>
          <Button variant="secondary" onClick={loaded.reload}>
            Erneut versuchen
          </Button>
        </Alert>
      )}
      {!batch && !loaded.error && <p class="muted">Abrechnung wird geladen …</p>}
      {notice && <Alert tone="success">{notice}</Alert>}
      {batch && (
        <>
          <BatchFacts batch={batch} />
          <FourEyes
            batch={batch}
            user={user}
            onStart={() => setNotice(undefined)}
            onChanged={(next, message) => {
              loaded.setData({ ...batch, ...next });
              // Who may take the next step changed: ask the server again (four eyes).
              loaded.reload();
              setNotice(message);
            }}
          />
          <Lines
            batch={batch}
            offset={batch.shownOffset}
            loading={loaded.loading}
            onPage={setLinesOffset}
            onReversed={(message) => setNotice(message)}
          />
        </>
      )}
    </section>
  );
}

function BatchFacts({ batch }: { batch: Batch }) {
  return (
    <div class="card">
      <dl class="acc-summary">
        <div>
          <dt>Anbieter</dt>
          <dd>{batch.providerName}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>
            <BatchStatusChip status={batch.status} /> <span class="acc-sub">{BATCH_STATUS_HINTS[batch.status]}</span>
          </dd>
        </div>
        <div>
          <dt>Leistungszeitraum</dt>
          <dd>{period(batch)}</dd>
        </div>
        <div>
          <dt>Betrag</dt>
          <dd class="amount" data-testid="batch-total">
            {formatCents(batch.totalCents)}
          </dd>
        </div>
        <div>
          <dt>Stichtag</dt>
          <dd>{formatDate(batch.cutoffDate)}</dd>
        </div>
        <div>
          <dt>Erstellt</dt>
          <dd>{formatTimestamp(batch.createdAt)}</dd>
        </div>
        <div>
          <dt>Buchungen</dt>
          <dd>{batch.lineCount}</dd>
        </div>
        <div>
          <dt>Zahlungsdatei</dt>
          <dd>
            {batch.paymentFileId ? <Link href={paymentFilePath(batch.paymentFileId)}>Zahlungsdatei öffnen</Link> : '–'}
          </dd>
        </div>
      </dl>
    </div>
  );
}

const FOUR_EYES_SELF =
  'Vier-Augen-Prinzip: Sie haben diese Abrechnung selbst als sachlich und rechnerisch richtig bestätigt. Die Anordnung muss eine andere Person der Buchhaltung erteilen.';
const FOUR_EYES_BANK =
  'Vier-Augen-Prinzip: Sie haben die Bankverbindung dieses Anbieters geändert. Seine nächste Zahlung muss eine andere Person der Buchhaltung anordnen.';

/** Why the signed-in user may not release (the server says which rule, before anyone clicks). */
const RELEASE_REFUSAL_TEXTS: Record<NonNullable<BatchWithLines['releaseRefusal']>, string> = {
  certified_by_you: FOUR_EYES_SELF,
  bank_data_changed_by_you: FOUR_EYES_BANK,
  bank_data_unapproved:
    'Der Anbieter hat seine Bankdaten geändert. Sie müssen erst in der Verwaltung freigegeben werden; bis dahin kann nicht angeordnet werden.',
  provider_not_payable:
    'Der Anbieter ist derzeit nicht zugelassen; seine Abrechnungen können nicht angeordnet oder ausgezahlt werden.',
};

/**
 * The four-eyes steps: certify (sachlich und rechnerisch richtig), release (Anordnung) by another
 * person, then payment. Done steps show who and when; the next step carries its action.
 */
function FourEyes({
  batch,
  user,
  onStart,
  onChanged,
}: {
  batch: BatchWithLines;
  user: SessionUser;
  onStart: () => void;
  onChanged: (batch: Batch, message: string) => void;
}) {
  const { busy, error, run } = useAction<Step>();
  const [confirmPaid, setConfirmPaid] = useState(false);
  const noteId = useId();
  const iCertified = batch.certifiedBy === user.id;
  const refusal = batch.releaseRefusal;
  // The execution date bounds the value date; it belongs to the payment file.
  const file = useLoad(
    confirmPaid && batch.paymentFileId ? (signal) => getPaymentFile(batch.paymentFileId as string, signal) : null,
    [confirmPaid, batch.paymentFileId],
  );

  /** The four-eyes refusals say which rule applies here. */
  function messageFor(err: unknown): string {
    if (err instanceof ApiError && err.code === 'four_eyes_required')
      return iCertified ? FOUR_EYES_SELF : FOUR_EYES_BANK;
    if (err instanceof ApiError && err.code === 'provider_not_payable')
      return 'Der Anbieter ist derzeit nicht zugelassen; seine Abrechnungen können nicht angeordnet oder ausgezahlt werden.';
    return messageOf(err);
  }

  async function act(step: Step, paidOn?: string) {
    onStart();
    await run(
      step,
      async () => {
        if (step === 'certify') {
          onChanged(await certifyBatch(batch.id), 'Die Abrechnung ist als sachlich und rechnerisch richtig bestätigt.');
        } else if (step === 'release') {
          onChanged(
            await releaseBatch(batch.id),
            'Die Zahlung ist angeordnet. Die Abrechnung kann in eine Zahlungsdatei.',
          );
        } else {
          onChanged(await markBatchPaid(batch.id, paidOn ?? ''), 'Die Abrechnung ist als bezahlt vermerkt.');
        }
      },
      messageFor,
    ).then((ok) => {
      if (ok || step !== 'paid') setConfirmPaid(false);
    });
  }

  const certified = Boolean(batch.certifiedAt);
  const released = Boolean(batch.releasedAt);
  const paid = batch.status === 'paid';
  const carried = batch.status === 'carried_forward';

  return (
    <section class="card" aria-labelledby="four-eyes-title">
      <h2 id="four-eyes-title" class="acc-card-title">
        Prüfung und Anordnung (Vier-Augen-Prinzip)
      </h2>
      {carried && (
        <Alert tone="info">
          Der Betrag dieser Abrechnung ist nicht positiv. Er wurde in die nächste Abrechnung des Anbieters übertragen;
          hier ist nichts zu prüfen oder anzuordnen.
        </Alert>
      )}
      {error && !confirmPaid && (
        <Alert tone="error" title="Nicht möglich">
          {error}
        </Alert>
      )}
      {!carried && (
        <ol class="acc-steps">
          <li class={`acc-step ${certified ? 'acc-step-done' : batch.status === 'open' ? 'acc-step-current' : ''}`}>
            <h3>1. Sachlich und rechnerisch richtig</h3>
            {certified ? (
              <p data-testid="certified-by">
                <span class="acc-step-state">✓ Bestätigt</span> von{' '}
                {actorLabel(batch.certifiedBy, batch.certifiedByName, user)} am {formatTimestamp(batch.certifiedAt)}
              </p>
            ) : (
              <>
                <p>
                  <span class="acc-step-state">Offen.</span> Bitte Buchungen und Betrag prüfen.
                </p>
                <Button busy={busy === 'certify'} onClick={() => act('certify')}>
                  Sachlich und rechnerisch richtig
                </Button>
              </>
            )}
          </li>
          <li class={`acc-step ${released ? 'acc-step-done' : batch.status === 'certified' ? 'acc-step-current' : ''}`}>
            <h3>2. Anordnung (Freigabe zur Zahlung)</h3>
            {released ? (
              <p data-testid="released-by">
                <span class="acc-step-state">✓ Angeordnet</span> von{' '}
                {actorLabel(batch.releasedBy, batch.releasedByName, user)} am {formatTimestamp(batch.releasedAt)}
              </p>
            ) : batch.status === 'certified' ? (
              <div class="acc-step-action">
                <Button
                  busy={busy === 'release'}
                  disabled={refusal !== null}
                  onClick={() => act('release')}
                  aria-describedby={noteId}
                >
                  Zahlung anordnen
                </Button>
                {refusal ? (
                  <p class="acc-step-note" id={noteId} data-testid="release-refusal">
                    {RELEASE_REFUSAL_TEXTS[refusal]}
                  </p>
                ) : (
                  <p id={noteId}>
                    Geprüft von {actorLabel(batch.certifiedBy, batch.certifiedByName, user)}; anordnen darf nur eine
                    andere Person.
                  </p>
                )}
              </div>
            ) : (
              <p class="muted">Erst nach der Prüfung, durch eine andere Person.</p>
            )}
          </li>
          <li class={`acc-step ${paid ? 'acc-step-done' : batch.status === 'exported' ? 'acc-step-current' : ''}`}>
            <h3>3. Zahlung</h3>
            {paid ? (
              <p data-testid="paid-by">
                <span class="acc-step-state">✓ Bezahlt</span>
                {batch.paidOn ? <> (Wertstellung {formatDate(batch.paidOn)})</> : null}, vermerkt von{' '}
                {actorLabel(batch.paidBy, batch.paidByName, user)} am {formatTimestamp(batch.paidAt)}
              </p>
            ) : batch.status === 'exported' ? (
              <>
                <p>
                  <span class="acc-step-state">In einer Zahlungsdatei.</span> Nach dem Zahlungsausgang als bezahlt
                  vermerken.
                </p>
                <Button variant="secondary" busy={busy === 'paid'} onClick={() => setConfirmPaid(true)}>
                  Als bezahlt markieren
                </Button>
              </>
            ) : batch.status === 'released' ? (
              <p>
                <span class="acc-step-state">Bereit.</span> Unter „Abrechnungen“ auswählen und eine Zahlungsdatei
                erstellen.
              </p>
            ) : (
              <p class="muted">Nach der Anordnung über eine Zahlungsdatei (SEPA).</p>
            )}
          </li>
        </ol>
      )}
      <PaidDialog
        open={confirmPaid}
        title="Als bezahlt markieren?"
        executionDate={file.data?.executionDate}
        busy={busy === 'paid'}
        error={confirmPaid ? error : undefined}
        onConfirm={(paidOn) => act('paid', paidOn)}
        onCancel={() => setConfirmPaid(false)}
      >
        <p>
          {batch.number} an {batch.providerName} über {formatCents(batch.totalCents)}. Nur bestätigen, wenn die Bank die
          Zahlung ausgeführt hat.
        </p>
      </PaidDialog>
    </section>
  );
}

function StatementButton({ batch }: { batch: Batch }) {
  const { busy, error, run } = useAction();
  return (
    <div class="acc-actions">
      <Button variant="secondary" busy={busy !== undefined} onClick={() => run('pdf', () => downloadStatement(batch))}>
        Gutschrift (PDF) herunterladen
      </Button>
      {error && (
        <span role="alert" class="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The pseudonymous card reference (the last digits), shown as `…1234`. */
function cardRef(ref: string | null): string {
  if (!ref) return '–';
  return ref.startsWith('…') ? ref : `…${ref}`;
}

/** The lines of the batch; a booking can be reversed by the city (Storno) with a reason. */
function Lines({
  batch,
  offset,
  loading,
  onPage,
  onReversed,
}: {
  batch: BatchWithLines;
  offset: number;
  loading: boolean;
  onPage: (offset: number) => void;
  onReversed: (message: string) => void;
}) {
  const [reversing, setReversing] = useState<BatchLine>();
  const [reversed, setReversed] = useState<ReadonlySet<string>>(new Set());
  const costBearerName = useCostBearerName();
  const canReverse = (line: BatchLine) =>
    line.kind === 'redemption' && line.redemptionId !== null && !reversed.has(line.redemptionId);

  return (
    <section class="card" aria-labelledby="lines-title">
      <h2 id="lines-title" class="acc-card-title">
        Buchungen
      </h2>
      <LinesPager batch={batch} offset={offset} loading={loading} onPage={onPage} />
      <div class="table-wrap">
        <table class="acc-table" data-testid="lines">
          <caption class="visually-hidden">Buchungen der Abrechnung {batch.number}</caption>
          <thead>
            <tr>
              <th scope="col">Leistungsdatum</th>
              <th scope="col">Karte</th>
              <th scope="col">Leistung</th>
              <th scope="col">Rechtsgrundlage</th>
              <th scope="col">Kostenträger</th>
              <th scope="col">Art</th>
              <th scope="col" class="num">
                Betrag
              </th>
              <th scope="col">
                <span class="visually-hidden">Aktion</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {batch.lines.length === 0 && (
              <tr>
                <td colSpan={8} class="empty">
                  Keine Buchungen.
                </td>
              </tr>
            )}
            {batch.lines.map((line, index) => {
              const isReversed = line.redemptionId !== null && reversed.has(line.redemptionId);
              const rowClass =
                line.kind === 'correction' ? 'line-correction' : isReversed ? 'line-reversed' : undefined;
              return (
                <tr
                  key={`${line.kind}-${line.redemptionId ?? line.reversalId ?? line.carriedFromBatchId ?? index}`}
                  class={rowClass}
                >
                  <td>{line.serviceDate ? formatDate(line.serviceDate) : '–'}</td>
                  <td>{cardRef(line.cardRef)}</td>
                  <td>{benefitTypeName(line.benefitType)}</td>
                  <td>{legalBasisName(line.legalBasis)}</td>
                  <td>{costBearerName(line.costBearer)}</td>
                  <td>
                    {line.kind === 'redemption' ? (
                      BATCH_LINE_KIND_NAMES.redemption
                    ) : (
                      <span class={`acc-kind acc-kind-${line.kind}`}>{BATCH_LINE_KIND_NAMES[line.kind]}</span>
                    )}
                    {line.kind === 'carry_forward' && line.carriedFromBatchNumber && (
                      <span class="acc-sub">aus {line.carriedFromBatchNumber}</span>
                    )}
                    {line.kind === 'correction' && <span class="acc-sub">Storno einer abgerechneten Buchung</span>}
                    {isReversed && (
                      <span class="acc-sub">
                        <span class="acc-kind acc-kind-reversed">Storniert</span>
                      </span>
                    )}
                  </td>
                  <td class={`num${line.amountCents < 0 ? ' neg' : ''}`}>{formatCents(line.amountCents)}</td>
                  <td>
                    {canReverse(line) && (
                      <Button
                        variant="ghost"
                        onClick={() => setReversing(line)}
                        aria-label={`Stornieren: Buchung vom ${line.serviceDate ? formatDate(line.serviceDate) : '–'}, Karte ${cardRef(line.cardRef)}`}
                      >
                        Stornieren
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={6}>
                {batch.linesTotal > batch.lines.length ? 'Summe aller Buchungen' : 'Summe'}
              </th>
              <td class={`num${batch.totalCents < 0 ? ' neg' : ''}`}>{formatCents(batch.totalCents)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      </div>
      <ReverseDialog
        line={reversing}
        onCancel={() => setReversing(undefined)}
        onDone={(line, kind) => {
          setReversing(undefined);
          if (line.redemptionId) setReversed((prev) => new Set(prev).add(line.redemptionId as string));
          onReversed(
            kind === 'correction'
              ? `Storniert: ${formatCents(line.amountCents)} werden in der nächsten Abrechnung des Anbieters als Korrektur abgezogen.`
              : `Storniert: ${formatCents(line.amountCents)} werden nicht ausgezahlt.`,
          );
        }}
      />
    </section>
  );
}

/** "Buchungen 101–200 von 5.000" with previous/next page; nothing when everything fits one page. */
function LinesPager({
  batch,
  offset,
  loading,
  onPage,
}: {
  batch: BatchWithLines;
  offset: number;
  loading: boolean;
  onPage: (offset: number) => void;
}) {
  if (batch.linesTotal <= LINES_PAGE) return null;
  const page = Math.floor(offset / LINES_PAGE) + 1;
  const pages = Math.ceil(batch.linesTotal / LINES_PAGE);
  const count = new Intl.NumberFormat('de-DE');
  const last = Math.min(offset + batch.lines.length, batch.linesTotal);
  return (
    <nav class="acc-pager" aria-label="Seiten der Buchungen">
      <Button variant="secondary" disabled={page <= 1 || loading} onClick={() => onPage(offset - LINES_PAGE)}>
        Zurück
      </Button>
      <span aria-live="polite" data-testid="lines-range">
        Buchungen {count.format(offset + 1)}–{count.format(last)} von {count.format(batch.linesTotal)} (Seite {page} von{' '}
        {pages})
      </span>
      <Button variant="secondary" disabled={page >= pages || loading} onClick={() => onPage(offset + LINES_PAGE)}>
        Weiter
      </Button>
    </nav>
  );
}

/** Storno by the city: a reason is required (it is recorded with the reversal). */
function ReverseDialog({
  line,
  onCancel,
  onDone,
}: {
  line: BatchLine | undefined;
  onCancel: () => void;
  onDone: (line: BatchLine, kind: 'void' | 'correction') => void;
}) {
  const id = useId();
  const form = useForm({
    initial: { reason: '' },
    resetOn: line,
    invalidSummary: null,
    validate: ({ reason }) =>
      reason.trim().length < 3 ? { reason: 'Bitte einen Grund angeben (mindestens 3 Zeichen).' } : {},
    async submit({ reason }) {
      if (!line?.redemptionId) return;
      const result = await reverseRedemption(line.redemptionId, reason.trim());
      onDone(line, result.kind);
    },
  });

  return (
    <ConfirmDialog
      open={line !== undefined}
      title="Buchung stornieren"
      confirmLabel="Stornieren"
      tone="danger"
      busy={form.busy}
      onConfirm={() => void form.submit()}
      onCancel={onCancel}
    >
      {line && (
        <p class="acc-dialog-facts">
          {benefitTypeName(line.benefitType)} am {line.serviceDate ? formatDate(line.serviceDate) : '–'}, Karte{' '}
          {cardRef(line.cardRef)}, {formatCents(line.amountCents)}. Ist die Buchung schon abgerechnet, wird der Betrag
          in der nächsten Abrechnung des Anbieters abgezogen; das Budget des Kindes wird wieder gutgeschrieben.
        </p>
      )}
      <form class="acc-reason" ref={form.ref} onSubmit={form.submit} noValidate>
        <label for={`${id}-reason`}>Grund (Pflichtangabe)</label>
        <textarea
          id={`${id}-reason`}
          name="reason"
          required
          maxLength={500}
          value={form.values.reason}
          aria-invalid={form.errors.reason ? true : undefined}
          aria-describedby={form.errors.reason ? `${id}-error` : undefined}
          onInput={(e) => form.set('reason', e.currentTarget.value)}
        />
        {form.errors.reason && (
          <p class="field-error" id={`${id}-error`} role="alert">
            {form.errors.reason}
          </p>
        )}
      </form>
      {form.summary && <Alert tone="error">{form.summary}</Alert>}
    </ConfirmDialog>
  );
}
