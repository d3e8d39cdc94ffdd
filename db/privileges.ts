// What the platform's own database role may do when the schema belongs to a separate owner role
// (DATABASE_OWNER_URL). The owner runs the migrations and owns every table, so only it can alter a
// table or disable a trigger; the app role gets exactly the statements the platform issues on each
// table: SELECT and INSERT on the append-only ledger and audit log, UPDATE or DELETE only where the
// platform changes rows. Applied after every migration run, so a new table must be listed here
// before the platform can use it (the run stops and names it otherwise).
import type { Sql } from 'postgres';

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** Per table of the `public` schema: what the app role is granted. Nothing else is granted. */
export const APP_PRIVILEGES: Readonly<Record<string, readonly TablePrivilege[]>> = {
  // Append-only and hash-chained: never UPDATE or DELETE (the triggers refuse them too).
  ledger_entries: ['SELECT', 'INSERT'],
  audit_events: ['SELECT', 'INSERT'],
  // A lot's signed documents after its record (issue 18): never changed once issued.
  lot_documents: ['SELECT', 'INSERT'],
  // The transparency log (issue 20): leaves and signed tree heads are only ever added.
  log_leaves: ['SELECT', 'INSERT'],
  log_tree_heads: ['SELECT', 'INSERT'],
  // Who viewed whose data (issue 20): only ever added, like the audit events it indexes.
  identity_reads: ['SELECT', 'INSERT'],
  // Mutable state. UPDATE also covers SELECT … FOR UPDATE (the lot and person row locks) and upserts.
  people: ['SELECT', 'INSERT', 'UPDATE'],
  role_grants: ['SELECT', 'INSERT', 'DELETE'],
  lots: ['SELECT', 'INSERT', 'UPDATE'],
  lot_images: ['SELECT', 'INSERT', 'DELETE'],
  registrations: ['SELECT', 'INSERT', 'UPDATE'],
  sessions: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  used_id_tokens: ['SELECT', 'INSERT', 'DELETE'],
  shed_bids: ['SELECT', 'INSERT', 'UPDATE'],
  // Sealed bids: a replacement marks the old one replaced; the reveal notes the seq it became.
  sealed_bids: ['SELECT', 'INSERT', 'UPDATE'],
  // The demo's generated record key (outside production, when no key is configured) and demo sign-in state.
  signing_keys: ['SELECT', 'INSERT'],
  demo_idp_records: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // Money (issue 17): obligations and credits change state as money moves; nothing is deleted.
  payments: ['SELECT', 'INSERT', 'UPDATE'],
  payment_credits: ['SELECT', 'INSERT', 'UPDATE'],
  refunds: ['SELECT', 'INSERT', 'UPDATE'],
  bars: ['SELECT', 'INSERT'],
  // Admins add and take back days off and make-up working days.
  calendar_days: ['SELECT', 'INSERT', 'DELETE'],
  jobs: ['SELECT', 'INSERT', 'UPDATE'],
  notifications: ['SELECT', 'INSERT', 'UPDATE'],
  // Organisations (issue 19): admins create and edit them, and add and remove their managers; a
  // regulator's scope is set and cleared; exclusions are lifted (an update), never deleted.
  organisations: ['SELECT', 'INSERT', 'UPDATE'],
  organisation_managers: ['SELECT', 'INSERT', 'DELETE'],
  regulator_scopes: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  exclusions: ['SELECT', 'INSERT', 'UPDATE'],
  lot_exclusions: ['SELECT', 'INSERT', 'DELETE'],
  // Organisations as bidders (issue 19): an organisation's name follows its latest claims; who acts for
  // whom is last seen again; actors are only added; documents are decided (an update), never deleted;
  // a flag's decision is made once.
  bidder_organisations: ['SELECT', 'INSERT', 'UPDATE'],
  organisation_representatives: ['SELECT', 'INSERT', 'UPDATE'],
  registration_actors: ['SELECT', 'INSERT'],
  authorisation_documents: ['SELECT', 'INSERT', 'UPDATE'],
  registration_flag_decisions: ['SELECT', 'INSERT'],
  // Live supervision (issue 20): a client sighting's first and last times move (upsert); a regulator's
  // decision on a signal is only added.
  client_sightings: ['SELECT', 'INSERT', 'UPDATE'],
  supervision_decisions: ['SELECT', 'INSERT'],
  // Webhooks to external systems (issue 20): an event and an attempt are only added; a delivery moves on.
  webhook_events: ['SELECT', 'INSERT'],
  webhook_deliveries: ['SELECT', 'INSERT', 'UPDATE'],
  webhook_attempts: ['SELECT', 'INSERT'],
};

export class PrivilegeError extends Error {}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Checks that the app role cannot get around its grants (superuser, owner of a table or of the
 * database, member of the owner role, CREATE in the schema), then grants it exactly APP_PRIVILEGES.
 * Runs on the owner's connection; idempotent.
 */
export async function grantAppPrivileges(owner: Sql, appRole: string): Promise<void> {
  const [me] = await owner<
    { role: string; database: string }[]
  >`select current_user as role, current_database() as database`;
  const [role] = await owner<{ rolsuper: boolean; member: boolean; createInSchema: boolean; ownsDatabase: boolean }[]>`
    select r.rolsuper,
           pg_has_role(r.oid, ${me.role}::name, 'MEMBER') as member,
           has_schema_privilege(r.oid, 'public', 'CREATE') as "createInSchema",
           (select datdba = r.oid from pg_database where datname = current_database()) as "ownsDatabase"
      from pg_roles r where r.rolname = ${appRole}`;
  const fix = (what: string): PrivilegeError =>
    new PrivilegeError(`DATABASE_URL's role ${appRole} ${what}, so separate roles would protect nothing`);
  if (!role) throw new PrivilegeError(`DATABASE_URL's role ${appRole} does not exist`);
  if (role.rolsuper) throw fix('is a superuser (connect DATABASE_URL as an ordinary login role)');
  if (role.member) throw fix(`is a member of the owner role ${me.role} (it could SET ROLE to it)`);
  if (role.ownsDatabase)
    throw fix(
      `owns the database ${me.database} (as the owner role: ALTER DATABASE ${ident(me.database)} OWNER TO ${ident(me.role)})`,
    );
  const owned = await owner<
    { tablename: string }[]
  >`select tablename from pg_tables where schemaname = 'public' and tableowner = ${appRole} order by tablename`;
  if (owned.length)
    throw fix(
      `owns tables (${owned.map((t) => t.tablename).join(', ')}) and could disable their triggers (hand them over, as a superuser: REASSIGN OWNED BY ${ident(appRole)} TO ${ident(me.role)})`,
    );
  if (role.createInSchema)
    throw fix(
      `may create objects in schema public (REVOKE CREATE ON SCHEMA public FROM PUBLIC, ${ident(appRole)}; the default since PostgreSQL 15)`,
    );
  const tables = await owner<
    { tablename: string }[]
  >`select tablename from pg_tables where schemaname = 'public' order by tablename`;
  const unlisted = tables.map((t) => t.tablename).filter((t) => !(t in APP_PRIVILEGES));
  if (unlisted.length)
    throw new PrivilegeError(
      `tables without app privileges in db/privileges.ts: ${unlisted.join(', ')} (list what the platform does on each)`,
    );
  const app = ident(appRole);
  await owner.begin(async (tx) => {
    await tx.unsafe(`revoke all on all tables in schema public from ${app}`);
    await tx.unsafe(`revoke all on all sequences in schema public from ${app}`);
    await tx.unsafe(`grant usage on schema public to ${app}`);
    for (const { tablename } of tables)
      await tx.unsafe(`grant ${APP_PRIVILEGES[tablename].join(', ')} on table public.${ident(tablename)} to ${app}`);
    // Read access to the migrations journal, so a process without the owner's URL can check that the
    // schema is current instead of migrating.
    await tx.unsafe(`grant usage on schema drizzle to ${app}`);
    await tx.unsafe(`revoke all on all tables in schema drizzle from ${app}`);
    await tx.unsafe(`grant select on drizzle.__drizzle_migrations to ${app}`);
  });
}
