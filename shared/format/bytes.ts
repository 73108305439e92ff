/** Bytes as a person reads them (1024-based, one decimal under 10): the window and the tray say sizes alike. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** A share of a whole as a whole percent that reads 100 only when it is all there. */
export function formatPercent(done: number, total: number): string {
  if (!(total > 0)) return '—';
  const share = Math.max(0, Math.min(1, done / total));
  const percent = share < 1 ? Math.min(99, Math.floor(share * 100)) : 100;
  return `${percent} %`;
}
