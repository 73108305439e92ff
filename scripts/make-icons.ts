/**
 * Draws the app and tray icons into assets/ as PNGs. Deterministic (same bytes every run), so the
 * PNGs are committed and this script is only rerun when the design changes: `npx tsx scripts/make-icons.ts`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

type Rgba = [number, number, number, number];
/** A shape gives the colour at a point in a unit square (0..1), or undefined where it is empty. */
type Shape = (x: number, y: number) => Rgba | undefined;

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function png(size: number, pixels: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(pixels.buffer, pixels.byteOffset + y * size * 4, size * 4).copy(rows, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Renders with 4×4 supersampling so edges are smooth at 16 px. */
function render(size: number, shape: Shape): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shape((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size);
          if (c === undefined) continue;
          const alpha = c[3] / 255;
          r += c[0] * alpha;
          g += c[1] * alpha;
          b += c[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((a / (n * n)) * 255);
      }
    }
  }
  return out;
}

const dist = (x: number, y: number, cx: number, cy: number) => Math.hypot(x - cx, y - cy);
const inRect = (x: number, y: number, x0: number, y0: number, x1: number, y1: number) =>
  x >= x0 && x <= x1 && y >= y0 && y <= y1;

function inRoundedSquare(x: number, y: number, margin: number, radius: number): boolean {
  const lo = margin + radius;
  const hi = 1 - margin - radius;
  const cx = Math.min(Math.max(x, lo), hi);
  const cy = Math.min(Math.max(y, lo), hi);
  return dist(x, y, cx, cy) <= radius;
}

/** The letter H inside the coin, in a box centred on 0.5. */
function inH(x: number, y: number, half: number, stroke: number): boolean {
  const x0 = 0.5 - half * 0.75;
  const x1 = 0.5 + half * 0.75;
  const y0 = 0.5 - half;
  const y1 = 0.5 + half;
  return (
    inRect(x, y, x0, y0, x0 + stroke, y1) ||
    inRect(x, y, x1 - stroke, y0, x1, y1) ||
    inRect(x, y, x0, 0.5 - stroke / 2, x1, 0.5 + stroke / 2)
  );
}

// App icon: a gold kudos coin stamped with an H on an indigo tile.
const appIcon: Shape = (x, y) => {
  if (!inRoundedSquare(x, y, 0.04, 0.2)) return undefined;
  const d = dist(x, y, 0.5, 0.5);
  if (d <= 0.33) {
    if (inH(x, y, 0.14, 0.06)) return [122, 74, 8, 255];
    if (d >= 0.28) return [214, 152, 30, 255];
    return [246, 198, 66, 255];
  }
  const t = y;
  return [Math.round(59 + 64 * t), Math.round(63 - 10 * t), Math.round(182 + 46 * t), 255];
};

type TrayState = 'earning' | 'waiting' | 'paused' | 'alert';

/** A 16-px-friendly tray glyph: a coin ring, with the state drawn inside. */
function trayGlyph(state: TrayState, ink: Rgba, accent: { earning: Rgba; alert: Rgba }): Shape {
  return (x, y) => {
    const d = dist(x, y, 0.5, 0.5);
    const ring = d <= 0.47 && d >= 0.35;
    switch (state) {
      case 'earning':
        if (d <= 0.47) return ring ? ink : accent.earning;
        return undefined;
      case 'waiting':
        if (ring) return ink;
        // Hands of a clock at ten past: waiting for the computer to be idle.
        if (d <= 0.3 && (inRect(x, y, 0.45, 0.2, 0.55, 0.55) || inRect(x, y, 0.45, 0.45, 0.75, 0.55)))
          return ink;
        return undefined;
      case 'paused':
        if (ring) return ink;
        if (inRect(x, y, 0.34, 0.28, 0.45, 0.72) || inRect(x, y, 0.55, 0.28, 0.66, 0.72)) return ink;
        return undefined;
      case 'alert':
        if (ring) return accent.alert;
        if (inRect(x, y, 0.44, 0.2, 0.56, 0.58) || dist(x, y, 0.5, 0.72) <= 0.07) return accent.alert;
        return undefined;
    }
  };
}

function write(relative: string, size: number, shape: Shape): void {
  const path = join(ASSETS, relative);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, png(size, render(size, shape)));
}

write('icon.png', 512, appIcon);
for (const size of [16, 32, 48, 64, 128, 256, 512]) write(`icons/${size}x${size}.png`, size, appIcon);

const states: TrayState[] = ['earning', 'waiting', 'paused', 'alert'];
const themes = {
  // Glyphs for light menus are dark, and the other way round.
  light: {
    ink: [32, 33, 36, 255] as Rgba,
    earning: [30, 142, 62, 255] as Rgba,
    alert: [200, 90, 0, 255] as Rgba,
  },
  dark: {
    ink: [241, 241, 241, 255] as Rgba,
    earning: [129, 201, 149, 255] as Rgba,
    alert: [255, 164, 84, 255] as Rgba,
  },
  // macOS tints template images for the menu bar itself: black with alpha only.
  template: { ink: [0, 0, 0, 255] as Rgba, earning: [0, 0, 0, 160] as Rgba, alert: [0, 0, 0, 255] as Rgba },
};
for (const [theme, colors] of Object.entries(themes)) {
  for (const state of states) {
    const shape = trayGlyph(state, colors.ink, colors);
    const base = theme === 'template' ? `tray/template/${state}Template` : `tray/${theme}/${state}`;
    write(`${base}.png`, 16, shape);
    write(`${base}@2x.png`, 32, shape);
  }
}
console.log(`icons written to ${ASSETS}`);
