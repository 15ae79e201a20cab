import { useState } from 'preact/hooks';
import { Alert, Button, Field, formatCardNumber, isValidCardNumber } from '../../ui';
import { CameraScanner } from './camera-scanner';
import { decodeQrFromFile } from './qr';

export type CodeSource = 'camera' | 'photo' | 'typed';

export interface CardEntryProps {
  /** A scanned QR token or a complete, Luhn-valid card number (digits only), and where it came from. */
  onCode: (code: string, source: CodeSource) => void;
  busy?: boolean;
  submitLabel?: string;
  /** Keep the camera running and scanning after each hit (canteen mode). */
  continuous?: boolean;
}

/** Typed card number feedback: how many digits are missing, then whether the check digit fits. */
export function cardNumberStatus(digits: string): { text: string; tone: 'ok' | 'error' | 'neutral' } {
  if (digits.length === 0) return { text: '', tone: 'neutral' };
  if (digits.length < 16) {
    const missing = 16 - digits.length;
    return { text: `Noch ${missing} ${missing === 1 ? 'Ziffer' : 'Ziffern'}`, tone: 'neutral' };
  }
  return isValidCardNumber(digits)
    ? { text: '✓ Kartennummer gültig', tone: 'ok' }
    : { text: '✗ Prüfziffer stimmt nicht – bitte Nummer prüfen', tone: 'error' };
}

/** Three ways to read a card: the camera, a photo of the QR ("Bild wählen"), or typing the number. */
export function CardEntry({ onCode, busy = false, submitLabel = 'Karte prüfen', continuous = false }: CardEntryProps) {
  const [digits, setDigits] = useState('');
  const [camera, setCamera] = useState(continuous);
  const [fileError, setFileError] = useState<string>();
  const status = cardNumberStatus(digits);
  const valid = digits.length === 16 && status.tone === 'ok';

  function submitTyped(event: Event) {
    event.preventDefault();
    if (!valid || busy) return;
    onCode(digits, 'typed');
    if (continuous) setDigits('');
  }

  async function pickFile(event: Event) {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setFileError(undefined);
    try {
      const text = await decodeQrFromFile(file);
      if (text) onCode(text, 'photo');
      else setFileError('Im Bild wurde kein QR-Code erkannt. Bitte näher und scharf fotografieren.');
    } catch {
      setFileError('Das Bild konnte nicht gelesen werden.');
    }
  }

  return (
    <div class="stack">
      {camera ? (
        <>
          <CameraScanner
            continuous={continuous}
            onCode={(text) => {
              if (!continuous) setCamera(false);
              onCode(text, 'camera');
            }}
          />
          {!continuous && (
            <Button variant="secondary" onClick={() => setCamera(false)}>
              Kamera schließen
            </Button>
          )}
        </>
      ) : (
        <Button size="large" onClick={() => setCamera(true)} disabled={busy}>
          QR-Code scannen
        </Button>
      )}
      <label class="file-pick btn btn-secondary btn-large">
        <input type="file" accept="image/*" class="visually-hidden" onChange={pickFile} disabled={busy} />
        Bild wählen
      </label>
      {fileError && <Alert tone="warning">{fileError}</Alert>}
      <form onSubmit={submitTyped} noValidate>
        <Field
          label="Kartennummer"
          name="cardNumber"
          class="card-number-input"
          inputMode="numeric"
          autocomplete="off"
          placeholder="0000 0000 0000 0000"
          hint="16 Ziffern, wie auf der Karte aufgedruckt"
          value={formatCardNumber(digits)}
          status={status.text}
          statusTone={status.tone}
          onInput={(e) => {
            const next = e.currentTarget.value.replace(/\D/g, '').slice(0, 16);
            setDigits(next);
            e.currentTarget.value = formatCardNumber(next);
          }}
        />
        <Button type="submit" size="large" disabled={!valid} busy={busy}>
          {submitLabel}
        </Button>
      </form>
    </div>
  );
}
