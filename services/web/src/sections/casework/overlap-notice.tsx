import { ApiError } from '../../api/problems';
import { Alert } from '../../ui';

/** The existing approval a refused create or amendment overlaps (409 `approval_overlaps`), if that was the error. */
export function overlapOf(err: unknown): string | undefined {
  if (!(err instanceof ApiError) || err.code !== 'approval_overlaps') return undefined;
  const id = (err.problem as { existingApprovalId?: unknown } | undefined)?.existingApprovalId;
  return typeof id === 'string' ? id : undefined;
}

/** The row of an approval on the child page (the target of the link below). */
export const approvalRowId = (approvalId: string) => `approval-${approvalId}`;

/** "There is already an approval for this period", with a link that moves to that approval's row. */
export function OverlapNotice({ existingApprovalId }: { existingApprovalId: string }) {
  const target = approvalRowId(existingApprovalId);
  return (
    <Alert tone="error">
      Für diesen Zeitraum gibt es schon eine Bewilligung dieser Leistungsart. Bitte die bestehende Bewilligung ändern
      oder aufheben:{' '}
      <a
        href={`#${target}`}
        data-testid="overlap-link"
        onClick={() => {
          // The row is in the table below; focus it so keyboard users land there too.
          requestAnimationFrame(() => document.getElementById(target)?.focus());
        }}
      >
        zur bestehenden Bewilligung
      </a>
    </Alert>
  );
}
