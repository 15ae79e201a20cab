/**
 * Every PostgreSQL advisory lock key the system takes, in one place, so no two purposes ever share a
 * key. Session locks (`pg_advisory_lock`) guard start-up steps on their own connection; transaction
 * locks (`pg_advisory_xact_lock`) serialise jobs across API instances and CLIs.
 */
export const LOCK_KEYS = {
  /** Migrations on start: replicas starting together migrate once (session lock). */
  migrations: 7_146_812_001,
  /** pg-boss schema setup on start: two replicas on a fresh database (session lock). */
  schedulerStart: 7_146_812_002,
  /** The nightly settlement run, the CLI and the manual run (transaction lock). */
  settlementRun: 7_146_812_101,
  /** The retention run (manual and nightly): one at a time (transaction lock). */
  retentionRun: 7_146_812_102,
  /** Sealing the audit chain: one sealer at a time across instances (transaction lock). */
  auditSeal: 7_146_812_016,
} as const;

/**
 * Locks on one value of a kind (a card number, a bank statement): the two-key form
 * `pg_advisory_xact_lock(namespace, hashtext(value))`, which PostgreSQL keeps apart from the
 * single-key locks above, so a hash can never collide with them.
 */
export const LOCK_NAMESPACES = {
  familyCard: 1,
  bankStatement: 2,
  /** One child's approvals of one single-budget type: creates and amends check and write one at a time. */
  approvalPeriods: 3,
} as const;
