// oidc-provider's storage for the demo identity provider, in the platform database (table
// demo_idp_records): sign-ins in progress, codes, sessions and grants survive restarts and are shared
// by several processes on one database. Expiry follows the provider's own (real) clock.
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../../db/client.ts';
import { demoIdpRecords } from '../../../db/schema.ts';

/** Removes expired records about once every this many writes. */
const SWEEP_EVERY = 200;

export function databaseAdapter(db: Db): (model: string) => Adapter {
  let writes = 0;
  const live = (row: { expiresAt: Date | null } | undefined): boolean =>
    !!row && (row.expiresAt === null || row.expiresAt.getTime() > Date.now());
  const payloadOf = (row: { payload: Record<string, unknown>; consumedAt: Date | null }): AdapterPayload =>
    ({
      ...row.payload,
      ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}),
    }) as AdapterPayload;

  return (model) => {
    const key = (id: string) => and(eq(demoIdpRecords.model, model), eq(demoIdpRecords.id, id));
    const findWhere = async (where: ReturnType<typeof eq>): Promise<AdapterPayload | undefined> => {
      const [row] = await db
        .select()
        .from(demoIdpRecords)
        .where(and(eq(demoIdpRecords.model, model), where))
        .limit(1);
      return row && live(row) ? payloadOf(row) : undefined;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const values = {
          model,
          id,
          payload: payload as Record<string, unknown>,
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        };
        await db
          .insert(demoIdpRecords)
          .values(values)
          .onConflictDoUpdate({
            target: [demoIdpRecords.model, demoIdpRecords.id],
            set: {
              payload: values.payload,
              grantId: values.grantId,
              uid: values.uid,
              userCode: values.userCode,
              expiresAt: values.expiresAt,
            },
          });
        if (++writes % SWEEP_EVERY === 0)
          await db.delete(demoIdpRecords).where(lt(demoIdpRecords.expiresAt, new Date()));
      },
      find: (id) => findWhere(eq(demoIdpRecords.id, id)),
      findByUid: (uid) => findWhere(eq(demoIdpRecords.uid, uid)),
      findByUserCode: (userCode) => findWhere(eq(demoIdpRecords.userCode, userCode)),
      async consume(id) {
        await db
          .update(demoIdpRecords)
          .set({ consumedAt: sql`now()` })
          .where(key(id));
      },
      async destroy(id) {
        await db.delete(demoIdpRecords).where(key(id));
      },
      async revokeByGrantId(grantId) {
        await db.delete(demoIdpRecords).where(eq(demoIdpRecords.grantId, grantId));
      },
    };
  };
}
