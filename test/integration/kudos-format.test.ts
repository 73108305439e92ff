import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Kudos become text in one helper, shared/format/kudos.ts `formatKudos` (milli-kudos in, two
// decimals out). A float rounding of kudos anywhere else — `Math.round(x * 100) / 100` or
// `.toFixed(2)` — is the copy #12 removed; this walks the sources so it cannot come back.

const root = join(import.meta.dirname, '..', '..');
const HELPER = 'shared/format/kudos.ts';

/** Every non-test source under the folders that handle kudos. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const ROUNDING = [/Math\.round\([^;\n]*\*\s*100\s*\)\s*\/\s*100/, /\.toFixed\(\s*2\s*\)/];
/** A line about kudos: the figure, a reward, a price or a balance. */
const ABOUT_KUDOS = /kudos|reward|price|balance|available|refund/i;

function roundingsOfKudos(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .filter((line) => ROUNDING.some((r) => r.test(line)) && ABOUT_KUDOS.test(line));
}

describe('kudos are formatted in one place', () => {
  it('finds the roundings it is looking for', () => {
    expect(roundingsOfKudos('const k = Math.round(reward * 100) / 100;')).toHaveLength(1);
    expect(roundingsOfKudos('return `${kudos.toFixed(2)} kudos`;')).toHaveLength(1);
    expect(roundingsOfKudos('const rate = Math.round(x * 100) / 100;')).toHaveLength(0);
  });

  it('has no float rounding of kudos outside formatKudos', () => {
    const files = ['renderer/src', 'shared', 'electron'].flatMap((d) => sources(join(root, d)));
    expect(files.length).toBeGreaterThan(50);
    const found = files
      .filter((f) => relative(root, f) !== HELPER)
      .flatMap((f) =>
        roundingsOfKudos(readFileSync(f, 'utf8')).map((l) => `${relative(root, f)}: ${l.trim()}`),
      );
    expect(found).toEqual([]);
    expect(readFileSync(join(root, HELPER), 'utf8')).toMatch(/export function formatKudos\(kudos: Milli\b/);
    // …and no second formatter of kudos beside it (the tray once had its own).
    const others = files.filter(
      (f) =>
        relative(root, f) !== HELPER &&
        /function formatKudos\b|formatKudos\s*=/.test(readFileSync(f, 'utf8')),
    );
    expect(others.map((f) => relative(root, f))).toEqual([]);
  });
});
