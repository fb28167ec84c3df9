/** The error registry, its documentation and its use stay in step. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ERRORS, apiError, type ApiErrorCode } from './errors';

const codes = Object.keys(API_ERRORS) as ApiErrorCode[];
const docs = readFileSync(join(__dirname, '../../docs/api.md'), 'utf8');
const errorsSection = docs.slice(docs.indexOf('## Errors'), docs.indexOf('## Caching'));
const sources = [
  ...['app.ts', 'auth.ts', 'ingest.ts', 'agent-responses.ts', 'admin.ts', 'cursor.ts'],
  ...['admin-access.ts', 'session-routes.ts', 'app-routes.ts'].map((f) => `console/${f}`),
]
  .map((f) => readFileSync(join(__dirname, f), 'utf8'))
  .join('\n');

describe('API errors', () => {
  test.each(codes)('%s is documented in docs/api.md with its status', (code) => {
    const line = errorsSection.split(/,|\n/).find((part) => part.includes(`\`${code}\``));
    expect(line).toBeDefined();
    const statusAfter = errorsSection.slice(errorsSection.indexOf(`\`${code}\``)).match(/\((\d{3})/)?.[1];
    expect(Number(statusAfter)).toBe(API_ERRORS[code].status);
  });

  test.each(codes)('%s is used by the API', (code) => {
    expect(sources).toMatch(new RegExp(`'${code}'`));
  });

  test('every documented code exists', () => {
    const documented = [...errorsSection.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    for (const code of documented) expect(codes).toContain(code);
  });

  test('an error carries the status of its code and the message of its template', () => {
    const error = apiError('too_many_events', 501, 500);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('events has 501 entries; one request carries at most 500 events');
  });
});
