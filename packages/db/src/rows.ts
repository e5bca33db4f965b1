import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity from a row read outside TypeORM's own finders: a row of `RETURNING *` or of a SQL function, as the
 * pg driver gives it, or the jsonb of a row (`to_jsonb`: timestamps as text, bytea as '\x…' hex, bigint as a
 * number), converted as TypeORM converts the row itself. Columns the row lacks stay unset.
 */
export function hydrate<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  row: Record<string, unknown> | null | undefined,
): T | null {
  if (!row) return null;
  const metadata = dataSource.getMetadata(target);
  const entity = metadata.create() as Record<string, unknown>;
  for (const column of metadata.columns) {
    if (!(column.databaseName in row)) continue;
    const raw = row[column.databaseName];
    let value = raw;
    if (typeof raw === 'string' && column.type === 'timestamptz') value = new Date(raw);
    else if (typeof raw === 'string' && column.type === 'bytea') value = Buffer.from(raw.slice(2), 'hex');
    else if (typeof raw === 'number' && column.type === 'bigint') value = String(raw);
    entity[column.propertyName] = value;
  }
  return entity as T;
}
