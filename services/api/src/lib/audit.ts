import { auditLog, type DbOrTx, insertMany } from '@tk/db';

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

/** Several audit rows in one statement (bulk writes such as the import): the same columns as `audit()`. */
export async function auditMany(
  tx: DbOrTx,
  actor: Actor,
  entries: { action: string; entityType: string; entityId: string; data: Record<string, unknown> }[],
): Promise<void> {
  await insertMany(
    tx,
    'audit_log',
    'actor_id text, action text, entity_type text, entity_id text, request_id text, data jsonb',
    entries.map((e) => ({
      actor_id: actor.userId,
      action: e.action,
      entity_type: e.entityType,
      entity_id: e.entityId,
      request_id: actor.requestId,
      data: e.data,
    })),
  );
}
