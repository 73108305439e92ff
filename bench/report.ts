/**
 * One row per measured figure: the project's number and the reference measured
 * in the same run beside it, their ratio and the target. Printed as a table
 * and kept as JSON (bench/results/latest.json) for tracking across commits.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ratio, spreadPercent, type Summary } from './stats';

export interface Target {
  /** e.g. "≥ 0.9× reference", "< 20 ms". */
  text: string;
  /** undefined when the figure could not be measured. */
  pass: boolean | undefined;
}

export interface Row {
  bench: string;
  metric: string;
  unit: string;
  project?: Summary;
  /** What the reference is, e.g. "bare onnxruntime-node loop". */
  referenceLabel?: string;
  reference?: Summary;
  /**
   * project / reference medians, when both exist; where a row judges on paired ratios (the text
   * engine's tokens/s and time to first token), the median of those, and its note says so.
   */
  ratio?: number;
  target?: Target;
  note?: string;
}

export interface BenchResult {
  name: string;
  rows: Row[];
  /** Facts a reader needs beside the figures (model, counts, query plans). */
  details?: Record<string, unknown>;
  error?: string;
  seconds: number;
}

export function row(r: Omit<Row, 'ratio'>): Row {
  const q = ratio(r.project, r.reference);
  return q === undefined ? r : { ...r, ratio: q };
}

function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

export function fmtSummary(s: Summary | undefined, unit: string): string {
  if (!s || s.n === 0) return '–';
  const spread = spreadPercent(s);
  const tail = s.n > 1 && Number.isFinite(spread) ? ` ±${spread.toFixed(0)}%` : '';
  return `${fmtNumber(s.median)} ${unit}${tail}`.trim();
}

function verdict(t: Target | undefined): string {
  if (!t) return '';
  const mark = t.pass === undefined ? '?' : t.pass ? 'ok' : 'MISS';
  return `${t.text} ${mark}`;
}

/** A plain-text table (also valid Markdown), one line per row. */
export function table(results: readonly BenchResult[]): string {
  const header = ['benchmark', 'metric', 'project', 'reference', 'ratio', 'target'];
  const lines: string[][] = [];
  for (const r of results) {
    if (r.error) lines.push([r.name, 'not measured', r.error.split('\n')[0] ?? '', '', '', '']);
    for (const x of r.rows) {
      lines.push([
        x.bench,
        x.metric,
        fmtSummary(x.project, x.unit),
        x.reference ? `${fmtSummary(x.reference, x.unit)} (${x.referenceLabel ?? 'reference'})` : '–',
        x.ratio === undefined ? '–' : `${x.ratio.toFixed(2)}×`,
        verdict(x.target),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

export interface RunInfo {
  mode: 'quick' | 'full';
  startedAt: string;
  seconds: number;
  host: {
    cpus: number;
    cpuModel: string;
    totalMemGiB: number;
    loadAvg: number[];
    node: string;
    platform: string;
  };
}

export function runInfo(mode: 'quick' | 'full', startedAt: Date, seconds: number): RunInfo {
  return {
    mode,
    startedAt: startedAt.toISOString(),
    seconds,
    host: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
  };
}

/** Written beside and renamed over, so a reader never sees half a file. */
export async function writeJson(file: string, info: RunInfo, results: readonly BenchResult[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ ...info, results }, null, 2)}\n`);
  await rename(tmp, file);
}
