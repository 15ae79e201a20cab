import type { ComponentChildren } from 'preact';

export interface AlertProps {
  tone?: 'error' | 'success' | 'info' | 'warning';
  title?: string;
  children?: ComponentChildren;
}

/** A message box; errors are announced immediately (role=alert), the rest politely (role=status). */
export function Alert({ tone = 'info', title, children }: AlertProps) {
  return (
    <div class={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title && <p class="alert-title">{title}</p>}
      {children && <div>{children}</div>}
    </div>
  );
}
