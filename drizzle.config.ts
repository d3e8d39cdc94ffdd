import { defineConfig } from 'drizzle-kit';

// Migrations are generated from db/schema.ts (`npm run db:generate`), committed, and applied at start.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
