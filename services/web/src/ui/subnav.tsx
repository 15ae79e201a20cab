import { linkClick } from '../router';

export interface SubNavTab {
  path: string;
  label: string;
}

/** The tabs of a section (Terminal, Fallbearbeitung, Buchhaltung, Verwaltung): client-side links, current one marked. */
export function SubNav({
  label,
  tabs,
  current,
  class: className,
}: {
  label: string;
  tabs: readonly SubNavTab[];
  current: SubNavTab | undefined;
  class?: string;
}) {
  return (
    <nav aria-label={label} class={className}>
      <ul class="subnav">
        {tabs.map((t) => (
          <li key={t.path}>
            <a href={t.path} onClick={linkClick} aria-current={t === current ? 'page' : undefined}>
              {t.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
