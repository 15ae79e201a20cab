import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api/problems';

export interface Loaded<T> {
  /** The last data that arrived; kept while a reload runs and after a reload failed. */
  data: T | undefined;
  /** The German message of the last failure (problems.ts); cleared by the next success. */
  error: string | undefined;
  loading: boolean;
  /** Loads again, e.g. after a write elsewhere on the page. */
  reload: () => void;
  /** Replaces the data with what a write answered, without another round trip. */
  setData: (data: T) => void;
}

/**
 * Data for a component: loads when it mounts and whenever a value in `deps` changes (like
 * `useEffect`). A load still under way when the component unmounts or `deps` change is aborted (its
 * `signal` goes to the fetch) and its answer ignored, so a slow old answer never overwrites a newer
 * one. `load = null` loads nothing (yet).
 */
export function useLoad<T>(load: ((signal: AbortSignal) => Promise<T>) | null, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: load !== null });
  const [generation, setGeneration] = useState(0);
  const current = useRef(load);
  current.current = load;

  useEffect(() => {
    const run = current.current;
    if (!run) {
      setState((s) => ({ ...s, loading: false }));
      return;
    }
    const controller = new AbortController();
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    run(controller.signal).then(
      (data) => controller.signal.aborted || setState({ data, loading: false }),
      (err: unknown) => controller.signal.aborted || setState((s) => ({ ...s, error: messageOf(err), loading: false })),
    );
    return () => controller.abort();
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const setData = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, setData };
}
