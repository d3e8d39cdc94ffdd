// Runs once before the suite: builds the web app if stale (server-process tests serve pages), migrates
// a PGlite database and snapshots it for every test file to load, and, when TEST_DATABASE_URL is set,
// creates one fresh migrated PostgreSQL database for this run that test files clone as a template.
import { convertPersonalData } from '../../server/privacy/conversion.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../db/client.ts';
import { ensureWebBuild } from '../../server/web-build.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplateUrl: string | null;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureWebBuild({ log: (line) => console.log(line) });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-test-'));
  const db = await openDatabase({});
  await db.migrate(convertPersonalData);
  const snapshot = path.join(dir, 'migrated.tar.gz');
  fs.writeFileSync(snapshot, Buffer.from(await (await db.pglite!.dumpDataDir('gzip')).arrayBuffer()));
  await db.close();
  project.provide('pgliteSnapshot', snapshot);

  let dropTemplate = async (): Promise<void> => {};
  const base = process.env.TEST_DATABASE_URL;
  if (base) {
    const name = `auction_test_${Date.now()}_${process.pid}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const pg = await openDatabase({ url: url.toString(), poolSize: 1 });
    await pg.migrate(convertPersonalData);
    await pg.close();
    project.provide('postgresTemplateUrl', url.toString());
    console.log(`Tests run against PostgreSQL: template database ${name}`);
    dropTemplate = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  } else {
    project.provide('postgresTemplateUrl', null);
    console.log('Tests run against embedded PGlite (set TEST_DATABASE_URL to run them against PostgreSQL).');
  }
  return async () => {
    await dropTemplate();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
