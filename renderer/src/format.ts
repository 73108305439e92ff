/** Display helpers. */

import type { Milli } from '../../shared/ledger/money';
import { formatKudos } from '../../shared/format/kudos';

export { formatBytes, formatPercent } from '../../shared/format/bytes';
export { formatKudos };

export function formatSignedKudos(kudos: Milli): string {
  return kudos > 0 ? `+${formatKudos(kudos)}` : formatKudos(kudos);
}

/** "1 h 05 min", "3 min 20 s", "45 s": coarse on purpose, these are estimates and counters. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatRate(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString();
}
