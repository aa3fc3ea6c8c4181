// A small SVG line chart (no dependency): panels side by side, a logarithmic x axis (the number of users), and
// a logarithmic or linear y axis per panel. Series of one metric share a colour; the engine sets the dash.

export interface Series {
  label: string;
  colour: string;
  dashed: boolean;
  /** [x, y] points; a y that is not finite is left out. */
  points: [number, number][];
}

export interface Panel {
  title: string;
  unit: string;
  log: boolean;
  series: Series[];
}

const WIDTH = 360;
const HEIGHT = 300;
const MARGIN = { left: 58, right: 26, top: 34, bottom: 44 };
const LEGEND_ROWS = 5;
const LEGEND_COLUMN = 200;
const LEGEND_LINE = 16;

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function formatTick(value: number): string {
  if (value >= 1_000_000) return `${value / 1_000_000}M`;
  if (value >= 1_000) return `${value / 1_000}k`;
  return value >= 1 ? String(value) : value.toPrecision(1);
}

/** Powers of ten spanning [min, max] (log), or about five round steps (linear). */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const result: number[] = [];
    for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) {
      result.push(10 ** exponent);
    }
    return result;
  }
  const raw = (max - min) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= raw)!;
  const result: number[] = [];
  for (let value = Math.floor(min / step) * step; value <= max + step / 2; value += step) result.push(value);
  return result;
}

function renderPanel(panel: Panel, xs: number[], offsetX: number): string {
  const values = panel.series.flatMap((series) => series.points.map(([, y]) => y)).filter(Number.isFinite);
  const positive = panel.log ? values.filter((value) => value > 0) : values;
  const yTicks = ticks(panel.log ? Math.min(...positive) : 0, Math.max(...positive, panel.log ? 10 : 1), panel.log);
  const [yMin, yMax] = [yTicks[0], yTicks[yTicks.length - 1]];
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (value: number): number =>
    offsetX +
    MARGIN.left +
    ((Math.log10(value) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotWidth;
  const y = (value: number): number => {
    const ratio = panel.log
      ? (Math.log10(value) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
      : (value - yMin) / (yMax - yMin);
    return MARGIN.top + (1 - ratio) * plotHeight;
  };
  const parts: string[] = [];
  parts.push(
    `<text x="${offsetX + WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  for (const tick of yTicks) {
    parts.push(
      `<line x1="${offsetX + MARGIN.left}" x2="${offsetX + WIDTH - MARGIN.right}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`,
      `<text x="${offsetX + MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of xs) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#eee"/>`,
      `<text x="${x(tick)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${offsetX + MARGIN.left + plotWidth / 2}" y="${HEIGHT - 8}" text-anchor="middle">users</text>`,
    `<text transform="translate(${offsetX + 14},${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">` +
      `${escapeXml(panel.unit)}</text>`,
  );
  for (const series of panel.series) {
    const points = series.points.filter(([, value]) => Number.isFinite(value) && (!panel.log || value > 0));
    if (points.length === 0) continue;
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<polyline fill="none" stroke="${series.colour}" stroke-width="2"${dash} points="` +
        points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ') +
        '"/>',
      ...points.map(
        ([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${series.colour}"/>`,
      ),
    );
  }
  return parts.join('\n');
}

/** The panels side by side, one legend below them (a colour per metric, solid and dashed per engine). */
export function renderChart(
  title: string,
  panels: Panel[],
  xs: number[],
  legend: { colours: [string, string][]; dashes: [string, boolean][] },
): string {
  const legendRows = Math.min(LEGEND_ROWS, Math.max(legend.colours.length, legend.dashes.length));
  const width = WIDTH * panels.length;
  const height = HEIGHT + 30 + legendRows * LEGEND_LINE + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="sans-serif" font-size="11">',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<g transform="translate(0,22)">`,
    ...panels.map((panel, index) => renderPanel(panel, xs, index * WIDTH)),
    '</g>',
    `<text x="${width / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const top = HEIGHT + 40;
  legend.colours.forEach(([label, colour], index) => {
    const ly = top + (index % LEGEND_ROWS) * LEGEND_LINE;
    const lx = 20 + Math.floor(index / LEGEND_ROWS) * LEGEND_COLUMN;
    parts.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(label)}</text>`,
    );
  });
  const dashesX = 20 + Math.ceil(legend.colours.length / LEGEND_ROWS) * LEGEND_COLUMN + 20;
  legend.dashes.forEach(([label, dashed], index) => {
    const ly = top + index * LEGEND_LINE;
    const dash = dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<line x1="${dashesX}" x2="${dashesX + 24}" y1="${ly}" y2="${ly}" stroke="#333" stroke-width="2"${dash}/>`,
      `<text x="${dashesX + 30}" y="${ly + 4}">${escapeXml(label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
