// A fresh, migrated database for one test file: PGlite loaded from the suite's snapshot, or, when the
// run targets PostgreSQL, a new database cloned from the run's migrated template.
import fs from 'node:fs';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../db/client.ts';

export interface TestDatabase extends Database {
  /** The connection URL when on PostgreSQL (for server processes), else undefined. */
  url?: string;
}

let counter = 0;

/** True when this run targets a real PostgreSQL (TEST_DATABASE_URL). */
export function onPostgres(): boolean {
  return inject('postgresTemplateUrl') !== null;
}

/** Creates an empty database cloned from the migrated template; returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = inject('postgresTemplateUrl');
  if (!template) throw new Error('not running against PostgreSQL');
  const templateName = new URL(template).pathname.slice(1);
  const name = `${templateName}_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(template.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {} });
  // Concurrent clones of one template can collide ("being accessed by other users"): retry briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`create database ${name} template ${templateName}`);
      break;
    } catch (err) {
      if (attempt >= 50 || !/being accessed by other users/.test(String((err as Error).message))) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = template.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** A new database with nothing in it (no migration applied), on the run's PostgreSQL. */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const template = inject('postgresTemplateUrl');
  if (!template) throw new Error('not running against PostgreSQL');
  const name = `empty_${process.pid}_${++counter}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(template.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template template0`);
  return {
    url: template.replace(/\/[^/]*$/, `/${name}`),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  if (onPostgres()) {
    const { url, drop } = await createPostgresDatabase();
    const db = await openDatabase({ url, poolSize: 10 });
    return {
      ...db,
      url,
      close: async () => {
        await db.close();
        await drop();
      },
    };
  }
  const snapshot = fs.readFileSync(inject('pgliteSnapshot'));
  return openDatabase({ loadDataDir: new Blob([snapshot]) });
}
