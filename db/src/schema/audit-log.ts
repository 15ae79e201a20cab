import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt } from './_columns.ts';

/**
 * Append-only audit log (a trigger refuses UPDATE and DELETE, see migration 0001). Written in the
 * same transaction as the change it records. `data` holds ids and changed field names, never
 * personal data such as names or birth dates.
 *
 * Hash chain (ADR 0023): after commit, the sealing step gives each row the next `chainSeq` and
 * `chainHash` = sha256(previous hash + the row's canonical content). Setting these two columns once
 * is the only update the trigger lets through.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    at: createdAt(),
    actorId: text(),
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text(),
    requestId: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    chainSeq: bigint({ mode: 'number' }),
    chainHash: text(),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entityType, t.entityId),
    index('audit_log_at_idx').on(t.at),
    uniqueIndex('audit_log_chain_seq_key').on(t.chainSeq),
    // The sealing step's work list: rows not yet in the chain, in id order.
    index('audit_log_unsealed_idx').on(t.id).where(sql`${t.chainSeq} is null`),
    // The cards an import issued ("Alle neuen Karten drucken"): the import's `card.issued` entries.
    index('audit_log_import_cards_idx')
      .on(sql`(${t.data} ->> 'importJobId')`, t.id)
      .where(sql`${t.action} = 'card.issued'`),
  ],
);
