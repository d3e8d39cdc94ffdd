// Seeding the catalogue benchmark's database (issue 21): COPY of generated lots with the secondary
// indexes dropped and built afterwards, then VACUUM ANALYZE, as a catalogue loaded once and searched
// for a long time is; and the table's and indexes' sizes. Or, for a database seeded before
// (--database), a sample of its lots to ask for.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Sql } from './database.ts';
import {
  COPY_COLUMNS,
  copyLine,
  seedCatalogueRows,
  type SeedAsset,
  type SeedCategory,
  type SeedContext,
} from './catalogue-data.ts';
import type { CatalogueReport } from './catalogue-report.ts';
import { prng } from './random.ts';
import type { ProvinceId } from '../../server/auctions/provinces.ts';

export async function seedCatalogue(
  sql: Sql,
  lots: number,
  seed: number,
  ctx: SeedContext,
  log: (line: string) => void,
): Promise<{ sample: SeedAsset[]; seeding: CatalogueReport['seeding'] }> {
  const indexes = await sql<{ indexname: string; indexdef: string }[]>`
    select indexname, indexdef from pg_indexes where tablename = 'lots' and indexname <> 'lots_pkey' order by indexname`;
  for (const i of indexes) await sql.unsafe(`drop index ${i.indexname}`);
  log(`seeding ${lots.toLocaleString('en')} lots by COPY (secondary indexes dropped: ${indexes.length})`);
  const r = prng(seed);
  const sample: SeedAsset[] = [];
  const sampleEvery = Math.max(1, Math.floor(lots / 5_000));
  const statuses: Record<string, number> = {};
  const categories: Record<string, number> = {};
  const started = Date.now();
  const writable = await sql.unsafe(`copy lots (${COPY_COLUMNS.join(', ')}) from stdin`).writable();
  let i = 0;
  let chunk = '';
  for (const row of seedCatalogueRows(r, ctx, lots)) {
    statuses[row.status] = (statuses[row.status] ?? 0) + 1;
    categories[row.asset.category] = (categories[row.asset.category] ?? 0) + 1;
    if (i % sampleEvery === 0) sample.push(row.asset);
    chunk += copyLine(row.values);
    if (++i % 2_000 === 0 || i === lots) {
      if (!writable.write(chunk)) await once(writable, 'drain');
      chunk = '';
    }
    if (i % 200_000 === 0) log(`  ${i.toLocaleString('en')} lots`);
  }
  writable.end();
  await finished(writable);
  const copyMs = Date.now() - started;
  log(`copied in ${(copyMs / 1000).toFixed(1)} s; building ${indexes.length} indexes`);
  const indexMs: Record<string, number> = {};
  await sql.begin(async (tx) => {
    await tx.unsafe(`set local maintenance_work_mem = '1GB'`);
    for (const i of indexes) {
      const t = Date.now();
      await tx.unsafe(i.indexdef);
      indexMs[i.indexname] = Date.now() - t;
      log(`  ${i.indexname}: ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  });
  // The visibility map and hint bits a long-lived table has, and the statistics the planner needs.
  const vacuumStarted = Date.now();
  await sql.unsafe('vacuum (analyze) lots');
  const vacuumAnalyzeMs = Date.now() - vacuumStarted;
  const totalMs = Date.now() - started;
  log(`vacuum analyze ${(vacuumAnalyzeMs / 1000).toFixed(1)} s; seeded in ${(totalMs / 1000).toFixed(1)} s`);
  return {
    sample,
    seeding: {
      copyMs,
      indexMs,
      vacuumAnalyzeMs,
      totalMs,
      lotsPerSecond: Math.round(lots / (copyMs / 1000)),
      statuses,
      categories,
    },
  };
}

/** A sample of the lots of a database seeded before, as the assets the searches are made from. */
export async function sampleSeeded(sql: Sql): Promise<SeedAsset[]> {
  const rows = await sql<{ title: string; description: string; category: string; province: ProvinceId }[]>`
    select title, description, category, province from lots tablesample system (0.3) repeatable (7)
     where status <> 'draft' limit 5000`;
  return rows.map((r) => ({
    ...r,
    category: r.category as SeedCategory,
    plate: /\b(\d{2}[A-Z]{1,2}\d?-\d{3}\.\d{2})\b/.exec(r.title)?.[1] ?? null,
    startingPrice: 0,
    priceStep: 0,
  }));
}

export async function catalogueSizes(sql: Sql): Promise<CatalogueReport['sizes']> {
  const [table] = await sql<{ heap: string; toast: string; indexes: string; total: string; rows: string }[]>`
    select pg_relation_size('lots') as heap,
           pg_table_size('lots') - pg_relation_size('lots') as toast,
           pg_indexes_size('lots') as indexes, pg_total_relation_size('lots') as total,
           (select count(*) from lots) as rows`;
  const indexes = await sql<{ name: string; bytes: string }[]>`
    select c.relname as name, pg_relation_size(c.oid) as bytes
      from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = 'lots'::regclass order by pg_relation_size(c.oid) desc`;
  const [columns] = await sql<{ vector: string; text: string; compact: string; row: string }[]>`
    select avg(pg_column_size(search_vector))::int as vector, avg(pg_column_size(search_text))::int as text,
           avg(pg_column_size(search_compact))::int as compact, avg(pg_column_size(lots.*))::int as row
      from lots tablesample system (1) repeatable (7)`;
  return {
    rows: Number(table.rows),
    heapBytes: Number(table.heap),
    toastBytes: Number(table.toast),
    indexBytes: Number(table.indexes),
    totalBytes: Number(table.total),
    indexes: indexes.map((i) => ({ name: i.name, bytes: Number(i.bytes) })),
    averageBytes: {
      searchVector: Number(columns.vector),
      searchText: Number(columns.text),
      searchCompact: Number(columns.compact),
      row: Number(columns.row),
    },
  };
}
