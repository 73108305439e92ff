import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * The app's log file (logs/main.log in Electron's logs folder): one line per event, kept
 * under `maxBytes` by rolling to main.1.log. Synchronous so the last line before a crash
 * is on disk; the app logs a handful of lines per minute at most.
 */
export class FileLog {
  constructor(
    private readonly file: string,
    private readonly maxBytes = 5 * 1024 * 1024,
    private readonly now: () => Date = () => new Date(),
    private readonly echo: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string, err?: unknown): void {
    this.write('warn', err === undefined ? message : `${message}: ${describe(err)}`);
  }

  error(message: string, err?: unknown): void {
    this.write('error', err === undefined ? message : `${message}: ${describe(err)}`);
  }

  write(level: LogLevel, message: string): void {
    const line = `${this.now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message.replace(/\r?\n/g, '\n    ')}`;
    this.echo(line);
    try {
      if (statSize(this.file) > this.maxBytes) renameSync(this.file, this.file.replace(/\.log$/, '.1.log'));
      appendFileSync(this.file, `${line}\n`);
    } catch {
      // A full or read-only disk must not take the app down with it.
    }
  }
}

function statSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? err.message;
  if (typeof err === 'object' && err !== null) {
    try {
      return JSON.stringify(err);
    } catch {
      return String(err);
    }
  }
  return String(err);
}
