import {
  type DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';

/** The plugin's database, migrated to the latest schema (unless the deployment skips migrations). */
export async function migrateDatabase(
  database: DatabaseService,
): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({
      directory: resolvePackagePath(
        '@datastack/plugin-datastack-backend',
        'migrations',
      ),
    });
  }
  return client;
}
