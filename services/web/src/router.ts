import { useEffect, useState } from 'preact/hooks';

/** A very small history router: the API serves index.html for every non-API path. */
const listeners = new Set<() => void>();

export function navigate(path: string, options: { replace?: boolean } = {}) {
  if (path === location.pathname) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  for (const listener of listeners) listener();
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener('popstate', update);
    // A child's effect may have navigated before this one subscribed (effects run child first, e.g. a
    // redirect on the first render after a page load): catch up with the address bar.
    update();
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return path;
}

/** Click handler for internal links: no page load, but still a real `<a href>` for keyboard and screen readers. */
export function linkClick(event: MouseEvent) {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.pathname);
}
