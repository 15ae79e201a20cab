import { date, text, timestamp } from 'drizzle-orm/pg-core';

/** Shared column builders. Public ids are prefixed TypeIDs (`card_…`), generated in code. */
export const id = () => text().primaryKey();
export const createdAt = () => timestamp({ withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const timestamptz = () => timestamp({ withTimezone: true, mode: 'date' });
/** A Berlin business date, `YYYY-MM-DD` on the wire and in code. */
export const civilDate = () => date({ mode: 'string' });
