/**
 * Small line charts as one SVG file, side by side: x on a log scale (client
 * counts), y linear from 0. Enough for the bench's scaling curve; no
 * dependency.
 */

export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: Array<[x: number, y: number]>;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
}

const W = 340;
const H = 260;
const M = { left: 56, right: 12, top: 30, bottom: 44 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** 1, 2, 5 × 10^n steps, about `count` of them up to max. */
function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * pow).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < max) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

const label = (v: number): string => (v >= 1000 ? `${v / 1000}k` : String(v));

function panelSvg(p: Panel, xs: number[], dx: number): string {
  const xMin = Math.log10(Math.min(...xs));
  const xMax = Math.log10(Math.max(...xs));
  const ys = p.series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => Number.isFinite(y));
  const yt = ticks(Math.max(...ys, 0));
  const yMax = yt[yt.length - 1]!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (x: number): number => dx + M.left + (xMax === xMin ? pw / 2 : ((Math.log10(x) - xMin) / (xMax - xMin)) * pw);
  const Y = (y: number): number => M.top + ph - (y / yMax) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${dx + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (const v of yt) {
    parts.push(`<line x1="${dx + M.left}" x2="${dx + W - M.right}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${dx + M.left - 6}" y="${Y(v) + 4}" text-anchor="end">${label(v)}</text>`);
  }
  for (const x of xs) {
    parts.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${X(x)}" y="${M.top + ph + 16}" text-anchor="middle">${label(x)}</text>`);
  }
  parts.push(`<text x="${dx + M.left + pw / 2}" y="${H - 8}" text-anchor="middle">clients (log scale)</text>`);
  parts.push(`<text transform="translate(${dx + 14} ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`);
  parts.push(`<rect x="${dx + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const s of p.series) {
    const pts = s.points.filter(([, y]) => Number.isFinite(y));
    if (pts.length === 0) continue;
    const d = pts.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    for (const [x, y] of pts) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(s.name)}: ${y.toFixed(1)} at ${x}</title></circle>`);
  }
  return parts.join('\n');
}

/** Panels in a row, one legend under them (every series name once). */
export function chartsSvg(title: string, panels: Panel[], note: string): string {
  const xs = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x))))].sort((a, b) => a - b);
  const legend = new Map<string, Series>();
  for (const p of panels) for (const s of p.series) if (!legend.has(s.name)) legend.set(s.name, s);
  const width = W * panels.length;
  const height = H + 70;
  const items = [...legend.values()].map((s, i) => {
    const x = 20 + i * 150;
    const y = H + 36;
    return `<line x1="${x}" x2="${x + 28}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${x + 34}" y="${y + 4}">${esc(s.name)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="${H + 14}" text-anchor="middle" font-size="12">${esc(title)}</text>`,
    ...panels.map((p, i) => panelSvg(p, xs, i * W).replace(/^/, '')),
    ...items,
    `<text x="20" y="${height - 8}" fill="#555">${esc(note)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
