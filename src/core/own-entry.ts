/**
 * `record[key]` for a key that is anyone's text (an application id): only the record's own entry, so
 * that `constructor`, `valueOf` or `toString` never find Object.prototype's members.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
