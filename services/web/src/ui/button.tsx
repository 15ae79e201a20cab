import type { ComponentChildren, JSX } from 'preact';

type NativeButtonProps = JSX.IntrinsicElements['button'];

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

export interface ButtonProps extends Omit<NativeButtonProps, 'size'> {
  variant?: Variant;
  size?: 'normal' | 'large';
  busy?: boolean;
  children: ComponentChildren;
}

/** A button; `busy` disables it and tells assistive technology that something is under way. */
export function Button({ variant = 'primary', size = 'normal', busy = false, children, ...rest }: ButtonProps) {
  const className = ['btn', `btn-${variant}`, size === 'large' ? 'btn-large' : '', rest.class ?? '']
    .filter(Boolean)
    .join(' ');
  return (
    <button type="button" {...rest} class={className} disabled={busy || rest.disabled} aria-busy={busy || undefined}>
      {children}
    </button>
  );
}
