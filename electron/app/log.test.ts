import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLog } from './log';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(maxBytes = 1_000_000) {
  const dir = mkdtempSync(join(tmpdir(), 'log-'));
  dirs.push(dir);
  const file = join(dir, 'logs', 'main.log');
  const log = new FileLog(
    file,
    maxBytes,
    () => new Date('2026-01-02T03:04:05.000Z'),
    () => {},
  );
  return { file, log };
}

describe('file log', () => {
  it('writes timestamped lines, with the error behind a warning', () => {
    const { file, log } = setup();
    log.info('horde: embedded at http://127.0.0.1:7001/api');
    log.warn('could not load tiny-gpt2', new Error('missing onnx/model.onnx'));
    const text = readFileSync(file, 'utf8');
    expect(
      text.startsWith('2026-01-02T03:04:05.000Z INFO  horde: embedded at http://127.0.0.1:7001/api\n'),
    ).toBe(true);
    expect(text).toContain('WARN  could not load tiny-gpt2: Error: missing onnx/model.onnx');
  });

  it('rolls over to main.1.log when the file grows too large', () => {
    const { file, log } = setup(100);
    for (let i = 0; i < 5; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    expect(existsSync(file.replace('main.log', 'main.1.log'))).toBe(true);
    expect(readFileSync(file, 'utf8').length).toBeLessThan(300);
  });
});
