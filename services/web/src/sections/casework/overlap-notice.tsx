import { ApiError } from '../../api/problems';

/** The existing approval a refused create or amendment overlaps (409 `approval_overlaps`), if that was the error. */
export function overlapOf(err: unknown): string | undefined {
  if (!(err instanceof ApiError) || err.code !== 'approval_overlaps') return undefined;
  const id = (err.problem as { existingApprovalId?: unknown } | undefined)?.existingApprovalId;
  return typeof id === 'string' ? id : undefined;
}

/** The row of an approval on the child page (the target of the link below). */
export const approvalRowId = (approvalId: string) => `approval-${approvalId}`;

/** The link under "there is already an approval for this period" (the problem's German message) to that approval's row. */
export function OverlapNotice({ existingApprovalId }: { existingApprovalId: string }) {
  const target = approvalRowId(existingApprovalId);
  return (
    <>
      {' '}
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
    </>
  );
}
