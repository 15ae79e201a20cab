import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../ui';
import { loadQrDecoder, type QrDecoder } from './qr';

export interface CameraScannerProps {
  /** Called with each decoded QR text. */
  onCode: (text: string) => void;
  /** Keep scanning after a hit (canteen mode); otherwise the caller unmounts the scanner. */
  continuous?: boolean;
}

/** Frames are decoded a few times a second on a downscaled canvas: fast enough, light on the battery. */
const SCAN_INTERVAL_MS = 120;
const SCAN_WIDTH = 640;

function cameraMessage(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Kamerazugriff wurde nicht erlaubt. Bitte im Browser erlauben oder die Kartennummer eintippen.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'Keine Kamera gefunden.';
  if (name === 'NotReadableError') return 'Die Kamera wird gerade von einer anderen App benutzt.';
  return 'Die Kamera konnte nicht gestartet werden.';
}

/** The live camera view with a QR frame; decodes with jsQR. */
export function CameraScanner({ onCode, continuous = false }: CameraScannerProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let decodeImageData: QrDecoder | undefined;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });

    const scan = () => {
      if (stopped) return;
      const video = videoRef.current;
      if (video && ctx && decodeImageData && video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
        const scale = Math.min(1, SCAN_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        const text = decodeImageData(ctx.getImageData(0, 0, canvas.width, canvas.height));
        if (text) {
          onCodeRef.current(text);
          if (!continuous) return;
        }
      }
      timer = setTimeout(scan, SCAN_INTERVAL_MS);
    };

    (async () => {
      if (!navigator.mediaDevices?.getUserMedia) {
        setError('Die Kamera ist nur über eine sichere Verbindung (HTTPS) verfügbar. Bitte Nummer eintippen.');
        return;
      }
      try {
        decodeImageData = await loadQrDecoder();
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: false,
        });
        if (stopped) {
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        const video = videoRef.current;
        if (!video) return;
        video.srcObject = stream;
        await video.play();
        scan();
      } catch (err) {
        if (!stopped) setError(cameraMessage(err));
      }
    })();

    return () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, [continuous]);

  if (error) return <Alert tone="warning">{error}</Alert>;
  return (
    <div class="scanner">
      <video ref={videoRef} muted playsInline aria-label="Kamerabild: QR-Code der Karte in den Rahmen halten" />
      <div class="frame" aria-hidden="true" />
    </div>
  );
}
