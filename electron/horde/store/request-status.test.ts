import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts file under electron/ that is not a test. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const electron = join(import.meta.dirname, '..', '..');

/** The statements (file and text) that set `status` on `table`. */
function statusWriters(table: string): string[] {
  const sets = new RegExp(`UPDATE ${table}\\s+SET[^'"\`]*?\\bstatus\\s*=`, 'g');
  return sources(electron).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(sets)].map((m) => `${file.slice(electron.length)}: ${m[0]}`),
  );
}

describe("a request's status", () => {
  it.each([
    ['text_requests', 'moveTextRequest'],
    ['image_requests', 'moveImageRequest'],
    ['interrogations', 'moveInterrogation'],
  ])('of %s is written by one statement, in %s', (table, writer) => {
    const writers = statusWriters(table);
    expect(writers).toHaveLength(1);
    const [where] = writers[0]!.split(':');
    const text = readFileSync(join(electron, where!), 'utf8');
    // The one statement sits in the writer's body: between its declaration and the next function.
    const start = text.indexOf(`function ${writer}(`);
    expect(start).toBeGreaterThan(-1);
    const end = text.indexOf('\nfunction ', start + 1);
    const body = text.slice(start, end === -1 ? undefined : end);
    expect(body).toMatch(new RegExp(`UPDATE ${table}\\s+SET[^'"\`]*?\\bstatus\\s*=`));
  });
});
