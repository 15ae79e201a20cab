// The floor of `pnpm bench redeem` (issue 15): a bare Fastify 5 + `pg` server doing the least a booking must
// write, started by the benchmark as its own plain Node process (no tsx, no bundler: nothing but the stack).
// POST /book {approvalId, beneficiaryId, cardId, amountCents}: one guarded UPDATE … WHERE remaining_cents >= $2,
// then (when it debited) one INSERT of the redemption, each a named prepared statement in autocommit on the pool,
// and a JSON answer. No token, no validation, no idempotency, no audit, no rate limit, no logging.
// Environment: FLOOR_DATABASE_URL, FLOOR_PORT, FLOOR_POOL_SIZE. Prints `{"port":…}` when listening.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({
  connectionString: process.env.FLOOR_DATABASE_URL,
  max: Number(process.env.FLOOR_POOL_SIZE ?? 20),
  application_name: 'bench-floor',
});
const app = Fastify({ logger: false });
const today = new Date().toISOString().slice(0, 10);

app.post('/book', async (request, reply) => {
  const { approvalId, beneficiaryId, cardId, amountCents } = request.body;
  const client = await pool.connect();
  try {
    const debited = await client.query({
      name: 'floor_debit',
      text: 'update approvals set remaining_cents = remaining_cents - $2 where id = $1 and remaining_cents >= $2 returning remaining_cents',
      values: [approvalId, amountCents],
    });
    if (debited.rowCount === 0) return reply.code(409).send({ code: 'insufficient_budget' });
    const id = `rdm_floor_${randomUUID()}`;
    await client.query({
      name: 'floor_insert',
      text: `insert into redemptions (id, provider_id, approval_id, beneficiary_id, card_id, benefit_type, service_date,
               amount_cents, status, booked_at, booked_by)
             values ($1, $2, $3, $4, $5, 'participation', $6, $7, 'booked', now(), 'floor')`,
      values: [id, 'prv_bench_club', approvalId, beneficiaryId, cardId, today, amountCents],
    });
    return reply.code(201).send({ id, approvalId, amountCents, availableCents: debited.rows[0].remaining_cents });
  } finally {
    client.release();
  }
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.FLOOR_PORT ?? 0) });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await pool.end();
  process.exit(0);
});
