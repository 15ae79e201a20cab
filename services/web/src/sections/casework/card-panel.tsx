import {
  BLOCK_REASON_NAMES,
  CARD_STATUS_NAMES,
  FAMILY_LANGUAGES,
  type FamilyLanguage,
  isFamilyLanguage,
  LANGUAGE_INFO,
} from '@tk/core';
import { useEffect, useState } from 'preact/hooks';
import { api, unwrap } from '../../api/client';
import { Alert, Button, type Column, formatDate, Table } from '../../ui';
import { FormDialog } from '../../ui/form-dialog';
import { SelectField } from '../../ui/select-field';
import { useAction } from '../../ui/use-action';
import { useForm } from '../../ui/use-form';
import { useLoad } from '../../ui/use-load';
import {
  type Beneficiary,
  type BlockReason,
  CARD_STATUS_TONE,
  type Card,
  cardQrSvg,
  openCardLetter,
  openCardPdf,
} from './casework-api';

const REASON_OPTIONS = Object.entries(BLOCK_REASON_NAMES).map(([value, label]) => ({ value, label }));
const dateOf = (iso: string) => formatDate(iso.slice(0, 10));

/** The QR code of a card as an image (the SVG needs the token, so it is fetched and shown as a blob). */
function CardQr({ card }: { card: Card }) {
  const qr = useLoad(
    (signal) => cardQrSvg(card.id, signal).then((blob) => URL.createObjectURL(blob)),
    [card.id, card.qrToken],
  );
  const src = qr.data;
  // An object URL holds the image in memory until it is revoked.
  useEffect(() => (src ? () => URL.revokeObjectURL(src) : undefined), [src]);
  return src ? <img src={src} alt={`QR-Code der Karte ${card.cardNumberFormatted}`} /> : null;
}

/** The child's card: issue, print (PDF), block with a reason, replace; and the card history. */
export function CardPanel(props: { child: Beneficiary; canWrite: boolean; onChanged: (message: string) => void }) {
  const { child, canWrite } = props;
  const cards = [...child.cards].sort((a, b) => b.issuedAt.localeCompare(a.issuedAt));
  const active = cards.find((c) => c.status === 'active');
  const latest = active ?? cards[0];
  const { busy, error, run: runAction } = useAction<'issue' | 'print' | 'letter'>();
  const [letterLang, setLetterLang] = useState<FamilyLanguage>('de');
  const [pdfUrl, setPdfUrl] = useState<string>();
  const [dialog, setDialog] = useState<'block' | 'replace'>();
  const dialogForm = useForm({
    initial: { reason: 'lost' as BlockReason },
    async submit({ reason }) {
      if (!latest || !dialog) return;
      if (dialog === 'block') {
        unwrap(await api.POST('/api/v1/cards/{id}/block', { params: { path: { id: latest.id } }, body: { reason } }));
        props.onChanged(`Karte ${latest.cardNumberFormatted} gesperrt (${BLOCK_REASON_NAMES[reason]}).`);
      } else {
        const card = unwrap(
          await api.POST('/api/v1/cards/{id}/replace', {
            params: { path: { id: latest.id } },
            body: latest.status === 'active' ? { reason } : {},
          }),
        );
        props.onChanged(
          `Ersatzkarte ${card.cardNumberFormatted} ausgestellt; die alte Karte und ihr Zugangscode gelten nicht mehr. Neuer Zugangscode für die Familie: ${card.familyAccessCode}.`,
        );
      }
      setDialog(undefined);
    },
  });
  const openDialog = (kind: 'block' | 'replace', reason: BlockReason) => {
    dialogForm.reset({ reason });
    setDialog(kind);
  };

  const run = (key: 'issue' | 'print' | 'letter', action: () => Promise<string | undefined>) =>
    runAction(key, async () => {
      const message = await action();
      if (message) props.onChanged(message);
    });

  const issue = () =>
    run('issue', async () => {
      const card = unwrap(await api.POST('/api/v1/beneficiaries/{id}/cards', { params: { path: { id: child.id } } }));
      return `Karte ${card.cardNumberFormatted} ausgestellt. Zugangscode für die Familie: ${card.familyAccessCode} (nur jetzt sichtbar; der Brief an die Familie enthält einen neuen).`;
    });

  const printLetter = (card: Card) =>
    run('letter', async () => {
      setPdfUrl(await openCardLetter(card.id, letterLang));
      return 'Brief an die Familie erstellt; er enthält einen neuen Zugangscode, der alte gilt nicht mehr.';
    });

  const print = (card: Card) =>
    run('print', async () => {
      setPdfUrl(await openCardPdf(card.id));
      return undefined;
    });

  const columns: Column<Card>[] = [
    { header: 'Kartennummer', cell: (c) => <span class="counter">{c.cardNumberFormatted}</span> },
    {
      header: 'Status',
      cell: (c) => (
        <>
          <span class={`status status-${CARD_STATUS_TONE[c.status]}`}>{CARD_STATUS_NAMES[c.status]}</span>
          {c.blockReason && <span class="cell-sub">{BLOCK_REASON_NAMES[c.blockReason]}</span>}
        </>
      ),
    },
    { header: 'Ausgestellt', cell: (c) => dateOf(c.issuedAt) },
  ];

  return (
    <section class="card" aria-labelledby="card-title" data-testid="card-panel">
      <h2 id="card-title">Karte</h2>
      {error && <Alert tone="error">{error}</Alert>}
      {latest ? (
        <div class="card-visual">
          {latest.status === 'active' && <CardQr card={latest} />}
          <div>
            <p class="card-number" data-testid="card-number">
              {latest.cardNumberFormatted}
            </p>
            <p>
              <span class={`status status-${CARD_STATUS_TONE[latest.status]}`} data-testid="card-status">
                {CARD_STATUS_NAMES[latest.status]}
              </span>
              {latest.blockReason && <span> · {BLOCK_REASON_NAMES[latest.blockReason]}</span>}
            </p>
            <p class="muted">ausgestellt am {dateOf(latest.issuedAt)}</p>
          </div>
        </div>
      ) : (
        <p class="muted">Das Kind hat noch keine Karte.</p>
      )}
      {canWrite && (
        <div class="form-actions">
          {!active && latest?.status === 'blocked' && !latest.replacedByCardId && (
            <Button busy={dialogForm.busy && dialog === 'replace'} onClick={() => openDialog('replace', 'damaged')}>
              Ersatzkarte ausstellen
            </Button>
          )}
          {!active && !(latest?.status === 'blocked' && !latest.replacedByCardId) && (
            <Button busy={busy === 'issue'} onClick={() => void issue()}>
              Karte ausstellen
            </Button>
          )}
          {active && (
            <>
              <Button busy={busy === 'print'} onClick={() => void print(active)}>
                Karte drucken (PDF)
              </Button>
              <span class="letter-choice">
                <label for="letter-lang">Sprache des Briefs</label>
                <select
                  id="letter-lang"
                  value={letterLang}
                  onChange={(e) => {
                    const next = e.currentTarget.value;
                    if (isFamilyLanguage(next)) setLetterLang(next);
                  }}
                >
                  {FAMILY_LANGUAGES.map((code) => (
                    <option key={code} value={code}>
                      {LANGUAGE_INFO[code].name}
                    </option>
                  ))}
                </select>
                <Button variant="secondary" busy={busy === 'letter'} onClick={() => void printLetter(active)}>
                  Brief an die Familie (PDF)
                </Button>
              </span>
              <Button variant="danger" onClick={() => openDialog('block', 'lost')}>
                Sperren
              </Button>
              <Button variant="secondary" onClick={() => openDialog('replace', 'damaged')}>
                Ersetzen
              </Button>
            </>
          )}
        </div>
      )}
      {pdfUrl && (
        <p class="muted">
          Der Druck öffnet sich in einem neuen Tab.{' '}
          <a href={pdfUrl} target="_blank" rel="noopener">
            PDF erneut öffnen
          </a>
        </p>
      )}
      {cards.length > 1 && (
        <details>
          <summary>Frühere Karten ({cards.length - 1})</summary>
          <Table caption="Alle Karten des Kindes" columns={columns} rows={cards} rowKey={(c) => c.id} />
        </details>
      )}
      <FormDialog
        open={dialog !== undefined}
        title={dialog === 'block' ? 'Karte sperren' : 'Karte ersetzen'}
        confirmLabel={dialog === 'block' ? 'Karte sperren' : 'Ersatzkarte ausstellen'}
        tone={dialog === 'block' ? 'danger' : 'primary'}
        busy={dialogForm.busy}
        error={dialogForm.summary}
        formRef={dialogForm.ref}
        onSubmit={() => void dialogForm.submit()}
        onCancel={() => setDialog(undefined)}
      >
        <p>
          {dialog === 'block'
            ? 'Die Karte funktioniert sofort nicht mehr. Das Guthaben bleibt beim Kind und geht auf eine Ersatzkarte über.'
            : 'Das Kind erhält eine neue Karte mit allen Bewilligungen; die bisherige Karte gilt sofort nicht mehr.'}
        </p>
        {(dialog === 'block' || latest?.status === 'active') && (
          <SelectField label="Grund" {...dialogForm.control('reason')} options={REASON_OPTIONS} />
        )}
      </FormDialog>
    </section>
  );
}
