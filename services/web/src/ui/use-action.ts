import { useState } from 'preact/hooks';
import { messageOf } from '../api/problems';

export interface Action<K extends string> {
  /** Which action is running (one button of several shows busy). */
  busy: K | undefined;
  /** The German message of the last failure; cleared when an action starts. */
  error: string | undefined;
  /**
   * Runs an action (a download, a state change) and tells whether it succeeded. A failure becomes
   * `error`, in German from problems.ts unless `messageFor` says it better for this place.
   */
  run: (key: K, action: () => Promise<unknown>, messageFor?: (err: unknown) => string) => Promise<boolean>;
  clearError: () => void;
}

/** A button's work that is not a form: busy while it runs, a German error when it fails. */
export function useAction<K extends string = string>(): Action<K> {
  const [busy, setBusy] = useState<K>();
  const [error, setError] = useState<string>();
  return {
    busy,
    error,
    async run(key, action, messageFor = messageOf) {
      setBusy(key);
      setError(undefined);
      try {
        await action();
        return true;
      } catch (err) {
        setError(messageFor(err));
        return false;
      } finally {
        setBusy(undefined);
      }
    },
    clearError: () => setError(undefined),
  };
}
