/**
 * Feedback tones for the canteen (WebAudio, no sound files): a short high beep for "booked", two low
 * tones for "declined". The AudioContext is created on a user gesture (browsers require it).
 */
let context: AudioContext | undefined;

export function unlockAudio(): void {
  try {
    context ??= new AudioContext();
    if (context.state === 'suspended') void context.resume();
  } catch {
    context = undefined; // no audio on this device: colour and text still tell the result
  }
}

function tone(frequency: number, startS: number, durationS: number, type: OscillatorType) {
  if (!context) return;
  const osc = context.createOscillator();
  const gain = context.createGain();
  osc.type = type;
  osc.frequency.value = frequency;
  const t0 = context.currentTime + startS;
  gain.gain.setValueAtTime(0.0001, t0);
  gain.gain.exponentialRampToValueAtTime(0.3, t0 + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, t0 + durationS);
  osc.connect(gain).connect(context.destination);
  osc.start(t0);
  osc.stop(t0 + durationS + 0.02);
}

export function beepOk(): void {
  tone(1320, 0, 0.12, 'sine');
}

export function beepDeclined(): void {
  tone(330, 0, 0.18, 'square');
  tone(220, 0.22, 0.3, 'square');
}
