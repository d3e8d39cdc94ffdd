// The conversion of a database from before personal data was encrypted at rest (issue 20, part 3),
// run at start right after the SQL migrations, as the schema's owner, in one transaction. Migration
// 0016 made room (sealed columns, the names kept as legacy_name, format checks NOT VALID); this:
//   1. collects every identification number in clear in any person column (PERSON_COLUMNS);
//   2. gives each a person key (its keyed hash, server/privacy/personal-data.ts) and a people row
//      holding the number and the name sealed under a data key of their own (a number named only by
//      an exclusion gets a row too, so the manager's list can still show it);
//   3. rewrites every person column from the number to the key, then deletes the old people rows;
//   4. seals the payers' names and accounts of payment credits under each credit's own data key;
//   5. drops legacy_name and validates the format checks, which from then on hold for every row.
// Nothing chained changes: the ledger and the audit chain of version 2 carry the keyed hash already
// (the audit log's actor_pid and subject columns outside the chain are rewritten, its append-only
// trigger set aside for that one statement, inside the transaction), and the chain of version-1
// events, which covered clear numbers, is left as it is (see the README).
// It runs once: without legacy_name there is nothing left to convert.
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../db/client.ts';
import type { Logger } from '../shared/log.ts';
import { payerSubject, sealDetached, sealPerson } from './personal-data.ts';

/** Every column that names a person by their pid, now their person key. */
export const PERSON_COLUMNS: ReadonlyArray<readonly [table: string, column: string]> = [
  ['role_grants', 'pid'],
  ['role_grants', 'granted_by'],
  ['organisations', 'created_by'],
  ['organisation_managers', 'pid'],
  ['organisation_managers', 'granted_by'],
  ['regulator_scopes', 'pid'],
  ['regulator_scopes', 'set_by'],
  ['exclusions', 'pid'],
  ['exclusions', 'created_by'],
  ['exclusions', 'lifted_by'],
  ['lot_exclusions', 'pid'],
  ['lot_exclusions', 'added_by'],
  ['lots', 'manager_pid'],
  ['organisation_representatives', 'pid'],
  ['registrations', 'pid'],
  ['registrations', 'approved_by'],
  ['registration_actors', 'pid'],
  ['authorisation_documents', 'decided_by'],
  ['registration_flag_decisions', 'decided_by'],
  ['sessions', 'pid'],
  ['payment_credits', 'decided_by'],
  ['payment_credits', 'entered_by'],
  ['payment_credits', 'reversed_by'],
  ['refunds', 'confirmed_by'],
  ['bars', 'pid'],
  ['calendar_days', 'created_by'],
  ['notifications', 'pid'],
  ['supervision_decisions', 'decided_by'],
];

const CLEAR = `'^[0-9]{12}$'`;

async function hasLegacyNames(db: Db): Promise<boolean> {
  const rows = resultRows<{ n: number }>(
    await db.execute(sql`
      select count(*)::int as n from information_schema.columns
      where table_schema = current_schema() and table_name = 'people' and column_name = 'legacy_name'`),
  );
  return (rows[0]?.n ?? 0) > 0;
}

/**
 * Converts the database if it still holds clear personal data; returns how many people were sealed.
 * The rewritten tables are then rewritten on disk (VACUUM FULL), so their files no longer hold the
 * old rows' clear values as dead tuples; write-ahead log segments and backups from before the upgrade
 * still do, and go with the backup policy (README).
 */
export async function convertPersonalData(db: Db): Promise<{ converted: number }> {
  if (!(await hasLegacyNames(db))) return { converted: 0 };
  const result = await sealEverything(db);
  if (result.converted > 0) {
    const tables = new Set(['people', 'audit_events', 'payment_credits', ...PERSON_COLUMNS.map(([table]) => table)]);
    for (const table of tables) await db.execute(sql.raw(`vacuum full ${table}`));
  }
  return result;
}

async function sealEverything(db: Db): Promise<{ converted: number }> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const union = sql.join(
      [
        sql.raw(`select pid as v from people where pid ~ ${CLEAR}`),
        ...PERSON_COLUMNS.map(([table, column]) =>
          sql.raw(`select ${column} as v from ${table} where ${column} ~ ${CLEAR}`),
        ),
        sql.raw(`select actor_pid as v from audit_events where chain_version = 2 and actor_pid ~ ${CLEAR}`),
        sql.raw(`select subject as v from audit_events where chain_version = 2 and subject ~ ${CLEAR}`),
      ],
      sql.raw(' union '),
    );
    const found = resultRows<{ v: string; name: string | null }>(
      await t.execute(sql`select u.v, p.legacy_name as name from (${union}) u left join people p on p.pid = u.v`),
    );
    if (found.length > 0) {
      const map = found.map((f) => {
        const sealed = sealPerson({ pid: f.v, name: f.name });
        return {
          old: f.v,
          new: sealed.pid,
          data_key: sealed.dataKey,
          sealed_pid: sealed.sealedPid,
          sealed_name: sealed.sealedName,
        };
      });
      await t.execute(
        sql.raw(`create temporary table person_map
        (old text primary key, new text not null, data_key text, sealed_pid text, sealed_name text) on commit drop`),
      );
      await t.execute(sql`insert into person_map select * from jsonb_to_recordset(${JSON.stringify(map)}::jsonb)
        as x(old text, new text, data_key text, sealed_pid text, sealed_name text)`);
      await t.execute(sql`
        insert into people (pid, data_key, sealed_pid, sealed_name, level, email, created_at, last_seen_at, first_sign_in_at)
        select m.new, m.data_key, m.sealed_pid, m.sealed_name, coalesce(p.level, 1), p.email,
               coalesce(p.created_at, now()), coalesce(p.last_seen_at, now()), p.first_sign_in_at
        from person_map m left join people p on p.pid = m.old`);
      for (const [table, column] of PERSON_COLUMNS)
        await t.execute(
          sql.raw(`update ${table} set ${column} = m.new from person_map m where ${table}.${column} = m.old`),
        );
      await t.execute(sql.raw(`alter table audit_events disable trigger audit_events_append_only`));
      await t.execute(
        sql.raw(`update audit_events set actor_pid = m.new from person_map m
                 where audit_events.chain_version = 2 and audit_events.actor_pid = m.old`),
      );
      await t.execute(
        sql.raw(`update audit_events set subject = m.new from person_map m
                 where audit_events.chain_version = 2 and audit_events.subject = m.old`),
      );
      await t.execute(sql.raw(`alter table audit_events enable trigger audit_events_append_only`));
      await t.execute(sql.raw(`delete from people where pid in (select old from person_map)`));
    }
    // The payers' names and accounts as banks reported them, sealed under each credit's own key.
    const credits = resultRows<{
      id: number;
      source: string;
      transaction_id: string;
      name: string | null;
      account: string | null;
    }>(
      await t.execute(sql`select id, source, transaction_id, payer_name as name, payer_account as account
        from payment_credits where payer_data_key is null and (payer_name is not null or payer_account is not null)`),
    );
    for (const c of credits) {
      const payer = sealDetached(payerSubject({ source: c.source, transactionId: c.transaction_id }), {
        account: c.account,
        name: c.name,
      });
      await t.execute(sql`update payment_credits set payer_name = ${payer.sealed.name}, payer_account = ${payer.sealed.account},
        payer_data_key = ${payer.dataKey} where id = ${c.id}`);
    }
    await t.execute(sql.raw(`alter table people drop column legacy_name`));
    for (const [table, check] of [
      ['people', 'people_pid_format'],
      ['exclusions', 'exclusions_pid_format'],
      ['lot_exclusions', 'lot_exclusions_pid_format'],
    ])
      await t.execute(sql.raw(`alter table ${table} validate constraint ${check}`));
    return { converted: found.length };
  });
}

/** The conversion as the platform runs it after the migrations, said in the log when it did anything. */
export function convertPersonalDataAndLog(log: Logger): (ownerDb: Db) => Promise<void> {
  return async (ownerDb) => {
    const { converted } = await convertPersonalData(ownerDb);
    if (converted > 0)
      log.info({ people: converted }, 'personal data sealed at rest: every pid column now holds person keys');
  };
}
