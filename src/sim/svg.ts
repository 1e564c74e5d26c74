/**
 * The simulation as a picture: two stacked charts over virtual time, cumulative cost
 * (USD) and GPU allocation (share of the cluster's GPUs), one line per policy. Plain SVG
 * written by hand, so it needs no chart library and opens in any browser.
 */
import type { TimePoint } from './engine.js';
import { downsample } from './report.js';

export interface Series {
  label: string;
  points: readonly TimePoint[];
}

const WIDTH = 900;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 80, right: 170, top: 60, bottom: 50 };
const COLOURS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d'];

interface Panel {
  title: string;
  value: (p: TimePoint) => number;
  /** Renders an axis value; `maxV` is the axis's top, for choosing precision. */
  format: (v: number, maxV: number) => string;
}

/** Renders the two charts for `series`; `title` heads the picture. */
export function renderSvg(series: readonly Series[], title: string): string {
  const panels: Panel[] = [
    { title: 'Cumulative cost (USD, Formula 4.1)', value: (p) => p.costUsd, format: usd },
    { title: 'GPU allocation (share of GPUs)', value: (p) => p.gpuShare, format: percent },
  ];
  const height = MARGIN.top + panels.length * (PANEL_HEIGHT + MARGIN.bottom) + 10;
  const sampled = series.map((s) => ({ ...s, points: downsample(s.points, 600) }));
  const endS = Math.max(1, ...sampled.flatMap((s) => s.points.map((p) => p.tS)));

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (PANEL_HEIGHT + MARGIN.bottom);
    parts.push(...drawPanel(panel, sampled, top, endS));
  });
  sampled.forEach((s, i) => {
    const y = MARGIN.top + 20 + i * 18;
    const x = WIDTH - MARGIN.right + 15;
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + 20}" y2="${y}" stroke="${colour(i)}" stroke-width="2"/>`,
      `<text x="${x + 26}" y="${y + 4}">${escape(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function drawPanel(panel: Panel, series: readonly Series[], top: number, endS: number): string[] {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const maxV = Math.max(1e-9, ...series.flatMap((s) => s.points.map(panel.value)));
  const x = (t: number): number => MARGIN.left + (t / endS) * plotW;
  const y = (v: number): number => top + PANEL_HEIGHT - (v / maxV) * PANEL_HEIGHT;
  const out = [
    `<text x="${MARGIN.left}" y="${top - 6}" font-weight="bold">${escape(panel.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${top}" width="${plotW}" height="${PANEL_HEIGHT}" ` +
      `fill="none" stroke="#999"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (maxV * k) / 4;
    const t = (endS * k) / 4;
    out.push(
      `<line x1="${MARGIN.left}" y1="${y(v)}" x2="${MARGIN.left + plotW}" y2="${y(v)}" ` +
        `stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end">${panel.format(v, maxV)}</text>`,
      `<text x="${x(t)}" y="${top + PANEL_HEIGHT + 16}" text-anchor="middle">${hours(t)}</text>`,
    );
  }
  // Drawn last to first, so the first series (tgp) lies on top where lines coincide.
  [...series].reverse().forEach((s, r) => {
    const i = series.length - 1 - r;
    // Step lines: each value holds until the next event.
    const coords: string[] = [];
    let last: number | undefined;
    for (const p of s.points) {
      const px = x(p.tS).toFixed(1);
      if (last !== undefined) coords.push(`${px},${y(last).toFixed(1)}`);
      last = panel.value(p);
      coords.push(`${px},${y(last).toFixed(1)}`);
    }
    if (last !== undefined) coords.push(`${x(endS).toFixed(1)},${y(last).toFixed(1)}`);
    out.push(
      `<polyline data-policy="${escape(s.label)}" fill="none" stroke="${colour(i)}" ` +
        `stroke-width="1.5" points="${coords.join(' ')}"/>`,
    );
  });
  return out;
}

function colour(i: number): string {
  return COLOURS[i % COLOURS.length]!;
}

function usd(v: number): string {
  return v >= 1000
    ? `$${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k`
    : `$${v.toFixed(v < 10 ? 2 : 0)}`;
}

function percent(v: number, maxV: number): string {
  return `${(v * 100).toFixed(maxV < 0.05 ? 2 : maxV < 0.2 ? 1 : 0)}%`;
}

function hours(s: number): string {
  if (s >= 86_400 * 2) return `${(s / 86_400).toFixed(0)} d`;
  if (s >= 7200) return `${(s / 3600).toFixed(0)} h`;
  return `${Math.round(s)} s`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
