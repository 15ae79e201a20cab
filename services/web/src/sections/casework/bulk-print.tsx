import { FAMILY_LANGUAGES, type FamilyLanguage, isFamilyLanguage, LANGUAGE_INFO } from '@tk/core';
import { useState } from 'preact/hooks';
import { Alert, Button } from '../../ui';
import { useAction } from '../../ui/use-action';
import { type CardSelection, openCardLetters, openCardsPdf } from './casework-api';

/**
 * Printing many cards at once (after an import, or a selection in the search): the A4 sheet, the ID-1
 * run for a card printer, and the letters to the families in one PDF in a chosen language. Every print
 * is recorded by the API; the letters issue new family access codes, which the button's hint says.
 */
export function BulkPrint(props: { selection: CardSelection; count: number; idPrefix: string }) {
  const { selection, count, idPrefix } = props;
  const { busy, error, run } = useAction<'a4' | 'id1' | 'letters'>();
  const [lang, setLang] = useState<FamilyLanguage>('de');
  const [pdfUrl, setPdfUrl] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const cardsText = count === 1 ? '1 Karte' : `${count} Karten`;
  const disabled = count === 0;

  const print = (format: 'a4' | 'id1') =>
    run(format, async () => {
      setNotice(undefined);
      setPdfUrl(await openCardsPdf(selection, format));
    });
  const letters = () =>
    run('letters', async () => {
      setPdfUrl(await openCardLetters(selection, lang));
      setNotice(
        `Briefe für ${cardsText} erstellt; jeder Brief enthält einen neuen Zugangscode, die alten Codes gelten nicht mehr.`,
      );
    });

  return (
    <div class="bulk-print" data-testid={`${idPrefix}-bulk-print`}>
      {error && <Alert tone="error">{error}</Alert>}
      {notice && <Alert tone="success">{notice}</Alert>}
      <div class="form-actions">
        <Button busy={busy === 'a4'} disabled={disabled} onClick={() => void print('a4')}>
          Karten drucken (A4-Bogen)
        </Button>
        <Button variant="secondary" busy={busy === 'id1'} disabled={disabled} onClick={() => void print('id1')}>
          Kartendrucker (eine Karte je Seite)
        </Button>
        <span class="letter-choice">
          <label for={`${idPrefix}-letter-lang`}>Sprache der Briefe</label>
          <select
            id={`${idPrefix}-letter-lang`}
            value={lang}
            onChange={(e) => {
              const next = e.currentTarget.value;
              if (isFamilyLanguage(next)) setLang(next);
            }}
          >
            {FAMILY_LANGUAGES.map((code) => (
              <option key={code} value={code}>
                {LANGUAGE_INFO[code].name}
              </option>
            ))}
          </select>
          <Button variant="secondary" busy={busy === 'letters'} disabled={disabled} onClick={() => void letters()}>
            Briefe an die Familien
          </Button>
        </span>
      </div>
      {pdfUrl && (
        <p class="muted">
          Der Druck öffnet sich in einem neuen Tab.{' '}
          <a href={pdfUrl} target="_blank" rel="noopener">
            PDF erneut öffnen
          </a>
        </p>
      )}
    </div>
  );
}
