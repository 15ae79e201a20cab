import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../../api/problems';
import { Alert, Button, formatCents } from '../../ui';
import { beepDeclined, beepOk, unlockAudio } from './beep';
import { CardEntry, type CodeSource } from './card-entry';
import { isDecline } from './declines';
import { lookupCard, newIdempotencyKey, redeem } from './terminal-api';
import { TodayList } from './today-list';

type Status =
  | { kind: 'ready' }
  | { kind: 'working' }
  | { kind: 'ok'; name: string; detail: string }
  | { kind: 'declined'; name?: string | undefined; detail: string };

/**
 * The camera sees a card in many frames: the same card counts again only after it was out of view
 * for this long (a sliding window), so a child holding the card up is booked once, not declined.
 */
const SAME_CARD_MS = 3000;
/** How long a result stays on screen before the display says "ready" again. */
const RESULT_MS = 2500;

/**
 * Kantinenmodus: scan after scan, each card books one lunch at once (lookup, then redeem with the
 * lunch entitlement), with a tone and a green or red screen; the camera keeps running for the next child.
 */
export function CanteenMode() {
  const [started, setStarted] = useState(false);
  const [status, setStatus] = useState<Status>({ kind: 'ready' });
  const [count, setCount] = useState(0);
  const [reloadKey, setReloadKey] = useState(0);
  const lastSeen = useRef<{ code: string; at: number }>({ code: '', at: 0 });
  const working = useRef(false);
  const resetTimer = useRef<ReturnType<typeof setTimeout>>(undefined);

  useEffect(() => () => clearTimeout(resetTimer.current), []);

  function show(next: Status) {
    setStatus(next);
    clearTimeout(resetTimer.current);
    if (next.kind === 'ok' || next.kind === 'declined') {
      resetTimer.current = setTimeout(() => setStatus({ kind: 'ready' }), RESULT_MS);
    }
  }

  async function scan(code: string, source: CodeSource) {
    const now = Date.now();
    if (source === 'camera' && code === lastSeen.current.code && now - lastSeen.current.at < SAME_CARD_MS) {
      lastSeen.current.at = now; // still in view: not a new scan
      return;
    }
    if (working.current) return; // not recorded: the next frame reads this card again
    lastSeen.current = { code, at: now };
    working.current = true;
    show({ kind: 'working' });
    let name: string | undefined;
    try {
      const lookup = await lookupCard(code);
      name = lookup.holder.displayName;
      const lunch = lookup.entitlements.find((e) => e.benefitType === 'lunch');
      if (!lunch) {
        beepDeclined();
        show({ kind: 'declined', name, detail: 'Kein Mittagessen bei Ihnen freigegeben.' });
        return;
      }
      const created = await redeem({ code, approvalId: lunch.approvalId, meals: 1 }, newIdempotencyKey());
      beepOk();
      setCount((n) => n + 1);
      setReloadKey((n) => n + 1);
      show({ kind: 'ok', name: lookup.holder.displayName, detail: `Mittagessen ${formatCents(created.amountCents)}` });
    } catch (err) {
      beepDeclined();
      show({ kind: 'declined', name, detail: isDecline(err) ? err.message : messageOf(err) });
    } finally {
      working.current = false;
    }
  }

  if (!started) {
    return (
      <section class="card stack terminal" aria-labelledby="canteen-title">
        <h2 id="canteen-title">Kantinenmodus</h2>
        <p>
          Jede gescannte Karte bucht sofort ein Mittagessen. Ein hoher Ton und Grün heißt gebucht, zwei tiefe Töne und
          Rot heißt abgelehnt. Danach ist der Scanner sofort für das nächste Kind bereit.
        </p>
        <Button
          size="large"
          onClick={() => {
            unlockAudio(); // browsers allow sound only after a tap
            setStarted(true);
          }}
        >
          Kantinenmodus starten
        </Button>
      </section>
    );
  }

  const tone = status.kind === 'ok' ? 'ok' : status.kind === 'declined' ? 'declined' : '';
  return (
    <div class="terminal">
      <section class="card stack" aria-labelledby="canteen-title">
        <div class="row">
          <h2 id="canteen-title" class="grow">
            Kantinenmodus
          </h2>
          <span class="counter" data-testid="canteen-count">
            {count} Essen gebucht
          </span>
        </div>
        <div class={`canteen-status ${tone}`} role="status" aria-live="assertive" data-testid="canteen-status">
          {status.kind === 'ready' && <span>Bereit – nächste Karte scannen</span>}
          {status.kind === 'working' && <span>Wird gebucht …</span>}
          {status.kind === 'ok' && (
            <>
              <span>✓ Gebucht</span>
              <small>{status.name}</small>
              <small>{status.detail}</small>
            </>
          )}
          {status.kind === 'declined' && (
            <>
              <span>✗ Abgelehnt</span>
              {status.name && <small>{status.name}</small>}
              <small>{status.detail}</small>
            </>
          )}
        </div>
        <CardEntry continuous onCode={(code, source) => void scan(code, source)} submitLabel="Mittagessen buchen" />
        <Alert tone="info">
          Tipp: Gerät mit der Kamera nach vorn aufstellen, Kinder halten die Karte vor die Kamera.
        </Alert>
      </section>
      <TodayList reloadKey={reloadKey} />
    </div>
  );
}
