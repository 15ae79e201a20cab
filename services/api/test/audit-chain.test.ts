import { auditLog } from '@tk/db';
import { asc, eq, isNull, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, linkHash, sealAuditChain, verifyAuditChain } from '../src/lib/audit-chain.ts';
import { createTestContext, onServer, type TestContext } from './support.ts';

let t: TestContext | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function withRows(count: number): Promise<TestContext> {
  t = await createTestContext();
  for (let i = 0; i < count; i++) {
    await t.db.insert(auditLog).values({ action: 'test.row', entityType: 'test', entityId: `row-${i}`, data: { i } });
  }
  return t;
}

/** Tampering as someone with database access would do it: past the append-only trigger. */
async function tamper(ctx: TestContext, statements: ReturnType<typeof sql>[]) {
  await ctx.db.execute(sql`alter table audit_log disable trigger audit_log_no_update`);
  for (const s of statements) await ctx.db.execute(s);
  await ctx.db.execute(sql`alter table audit_log enable trigger audit_log_no_update`);
}

const sealedRows = (ctx: TestContext) => ctx.db.select().from(auditLog).orderBy(asc(auditLog.chainSeq));

describe('audit hash chain', () => {
  it('sealing links every committed row in id order; a second round seals only what is new', async () => {
    const ctx = await withRows(5);
    const first = await sealAuditChain(ctx.db);
    expect(first.sealed).toBeGreaterThanOrEqual(5);
    const rows = await sealedRows(ctx);
    expect(rows.map((r) => r.chainSeq)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    expect(rows[0]!.chainHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.head).toEqual({ chainSeq: rows.length, hash: rows.at(-1)!.chainHash });
    expect(rows[0]!.chainHash).not.toBe(linkHash(GENESIS_HASH, ''));

    await ctx.db.insert(auditLog).values({ action: 'test.late', entityType: 'test' });
    const second = await sealAuditChain(ctx.db);
    expect(second.sealed).toBe(1);
    expect(second.head.chainSeq).toBe(rows.length + 1);
    expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, unsealedCount: 0, problems: [] });
  });

  it('the append-only trigger lets exactly the sealing update through', async () => {
    const ctx = await withRows(2);
    const [row] = await ctx.db.select().from(auditLog).where(isNull(auditLog.chainSeq)).limit(1);
    // Not the content of an unsealed row…
    await expect(ctx.db.update(auditLog).set({ action: 'forged' }).where(eq(auditLog.id, row!.id))).rejects.toThrow();
    // …nor content together with the seal…
    await expect(
      ctx.db.update(auditLog).set({ action: 'forged', chainSeq: 999, chainHash: 'x' }).where(eq(auditLog.id, row!.id)),
    ).rejects.toThrow();
    await sealAuditChain(ctx.db);
    // …nor a second seal, nor a delete.
    await expect(
      ctx.db.update(auditLog).set({ chainSeq: 999, chainHash: 'x' }).where(eq(auditLog.id, row!.id)),
    ).rejects.toThrow();
    await expect(ctx.db.delete(auditLog).where(eq(auditLog.id, row!.id))).rejects.toThrow();
    expect((await verifyAuditChain(ctx.db)).ok).toBe(true);
  });

  it('an edited row is found and named', async () => {
    const ctx = await withRows(6);
    await sealAuditChain(ctx.db);
    const rows = await sealedRows(ctx);
    const victim = rows[3]!;
    await tamper(ctx, [sql`update audit_log set data = '{"i": 42}'::jsonb where id = ${victim.id}`]);
    const report = await verifyAuditChain(ctx.db);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'edited', id: victim.id, chainSeq: victim.chainSeq }),
    ]);
    // The admin route (pnpm verify's twin) reports it too.
    const admin = await ctx.user('admin');
    const res = await ctx.call('GET', '/api/v1/admin/verify', { token: admin.token });
    const check = res.json().checks.find((c: { name: string }) => c.name === 'audit_chain');
    expect(res.json().ok).toBe(false);
    expect(check.samples[0]).toMatchObject({ kind: 'edited', id: victim.id });
  });

  it('a deleted row is found: the gap in the chain is named', async () => {
    const ctx = await withRows(6);
    await sealAuditChain(ctx.db);
    const victim = (await sealedRows(ctx))[2]!;
    await tamper(ctx, [sql`delete from audit_log where id = ${victim.id}`]);
    const report = await verifyAuditChain(ctx.db);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'missing', chainSeq: victim.chainSeq })]);
    expect(report.problems[0]!.detail).toContain(`chain_seq ${victim.chainSeq}`);
  });

  it('an inserted row is found and named, even with the later rows renumbered', async () => {
    const ctx = await withRows(6);
    await sealAuditChain(ctx.db);
    const rows = await sealedRows(ctx);
    const at = rows[2]!.chainSeq!;
    const [forged] = await (async () => {
      await tamper(ctx, [
        sql`update audit_log set chain_seq = -(chain_seq + 1) where chain_seq >= ${at}`,
        sql`update audit_log set chain_seq = -chain_seq where chain_seq < 0`,
        sql`insert into audit_log (action, entity_type, entity_id, chain_seq, chain_hash)
            values ('payment.approved', 'payment_file', 'pay_forged', ${at}, ${rows[2]!.chainHash})`,
      ]);
      return ctx.db.select().from(auditLog).where(eq(auditLog.entityId, 'pay_forged'));
    })();
    const report = await verifyAuditChain(ctx.db);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'inserted', id: forged!.id, chainSeq: at })]);
  });

  it.runIf(onServer)(
    'a row that commits late with a lower id is sealed later, neither lost nor breaking the chain',
    async () => {
      t = await createTestContext();
      const ctx = t;
      await sealAuditChain(ctx.db);
      let releaseSlow!: () => void;
      const gate = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      let slowId = 0;
      let inserted!: () => void;
      const slowInserted = new Promise<void>((resolve) => {
        inserted = resolve;
      });
      // The slow transaction takes its id first and commits last.
      const slow = ctx.db.transaction(async (tx) => {
        const [row] = await tx.insert(auditLog).values({ action: 'test.slow', entityType: 'test' }).returning();
        slowId = row!.id;
        inserted();
        await gate;
      });
      await slowInserted;
      const [fast] = await ctx.db.insert(auditLog).values({ action: 'test.fast', entityType: 'test' }).returning();
      expect(fast!.id).toBeGreaterThan(slowId);
      const first = await sealAuditChain(ctx.db);
      expect(first.sealed).toBe(1);
      releaseSlow();
      await slow;
      const second = await sealAuditChain(ctx.db);
      expect(second.sealed).toBe(1);
      const [slowRow] = await ctx.db.select().from(auditLog).where(eq(auditLog.id, slowId));
      expect(slowRow!.chainSeq).toBe(first.head.chainSeq + 1);
      expect(await verifyAuditChain(ctx.db)).toMatchObject({ ok: true, unsealedCount: 0 });
    },
  );
});
