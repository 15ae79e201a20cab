import { auditLog, type DbOrTx } from '@tk/db';

/** Who acts: the authenticated user (or the system) and the request it came with. */
export interface Actor {
  userId: string | null;
  role: string;
  providerId: string | null;
  requestId: string | null;
}

export const systemActor = (requestId: string | null = null): Actor => ({
  userId: null,
  role: 'system',
  providerId: null,
  requestId,
});

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  /** Ids and changed field names only; never names, birth dates, IBANs or tokens. */
  data?: Record<string, unknown>;
}

/** Appends to the audit log. Call it with the transaction that makes the change, so both commit or neither. */
export async function audit(tx: DbOrTx, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actorId: actor.userId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    requestId: actor.requestId,
    data: entry.data ?? {},
  });
}
