import { useEffect, useRef } from 'preact/hooks';
import { Button } from '../../ui';

export interface ResultScreenProps {
  ok: boolean;
  name?: string | undefined;
  /** Lines below the title: what was booked, the remaining balance, or the reason. */
  lines: string[];
  onNext: () => void;
  /** Declined: go back to the booking (e.g. to lower the amount). */
  onBack?: (() => void) | undefined;
}

/** A large, unmistakable result: green with ✓ "Gebucht" or red with ✗ "Abgelehnt", never colour alone. */
export function ResultScreen({ ok, name, lines, onNext, onBack }: ResultScreenProps) {
  const nextRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    nextRef.current?.focus();
  }, []);
  return (
    <section
      class={`result ${ok ? 'result-ok' : 'result-declined'}`}
      role={ok ? 'status' : 'alert'}
      aria-labelledby="result-title"
      data-testid={ok ? 'result-booked' : 'result-declined'}
    >
      <p class="result-icon" aria-hidden="true">
        {ok ? '✓' : '✗'}
      </p>
      <h2 class="result-title" id="result-title">
        {ok ? 'Gebucht' : 'Abgelehnt'}
      </h2>
      {name && <p class="result-name">{name}</p>}
      {lines.map((line) => (
        <p class="result-detail" key={line}>
          {line}
        </p>
      ))}
      <div class="stack">
        <button type="button" ref={nextRef} class="btn btn-large" onClick={onNext}>
          Nächste Karte
        </button>
        {onBack && (
          <Button variant="ghost" size="large" class="result-back" onClick={onBack}>
            Zurück zur Buchung
          </Button>
        )}
      </div>
    </section>
  );
}
