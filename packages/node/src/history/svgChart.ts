/**
 * A line chart over market windows as a standalone SVG file: no library, no
 * browser, so the testnet report can write it anywhere. Values of null are
 * gaps; a series may be drawn dashed (tariff bounds, R_min).
 */
export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly colour?: string;
  readonly dashed?: boolean;
  /** Mark each value with a dot (sparse series such as clearing prices). */
  readonly dots?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xs: readonly number[];
  readonly series: readonly ChartSeries[];
}

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7ea4', '#cf5d00', '#57606a'];
const W = 900;
const H = 420;
const PAD = { left: 80, right: 20, top: 40, bottom: 76 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" step for about `n` ticks over `span`: 1, 2 or 5 times a power of ten. */
function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  const m = raw / pow;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * pow;
}

export function lineChartSvg(spec: ChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const xMin = Math.min(...spec.xs, 0);
  const xMax = Math.max(...spec.xs, xMin + 1);
  const yMax0 = Math.max(...values, 1);
  const yStep = niceStep(yMax0, 5);
  const yMax = Math.ceil(yMax0 / yStep) * yStep;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + ((v - xMin) / (xMax - xMin)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${esc(spec.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="22" font-size="15" font-weight="600">${esc(spec.title)}</text>`,
  ];
  for (let v = 0; v <= yMax; v += yStep) {
    out.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e3e6eb"/>`,
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toLocaleString('en')}</text>`,
    );
  }
  const xStep = Math.max(1, niceStep(xMax - xMin, 10));
  for (let v = Math.ceil(xMin / xStep) * xStep; v <= xMax; v += xStep) {
    out.push(`<text x="${x(v)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${v}</text>`);
  }
  out.push(
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#667085"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 32}" text-anchor="middle">${esc(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`,
  );
  let legendX = PAD.left;
  let legendY = H - 30;
  spec.series.forEach((s, i) => {
    const colour = s.colour ?? PALETTE[i % PALETTE.length];
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    // Runs of consecutive values; a null breaks the line.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        out.push(
          `<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${run.join(' ')}"/>`,
        );
      run = [];
    };
    s.values.forEach((v, j) => {
      const xv = spec.xs[j];
      if (v === null || xv === undefined) {
        flush();
        return;
      }
      run.push(`${x(xv).toFixed(1)},${y(v).toFixed(1)}`);
      if (s.dots)
        out.push(`<circle cx="${x(xv).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    });
    flush();
    const width = 30 + s.label.length * 6.5;
    if (legendX + width > W - PAD.right) {
      legendX = PAD.left;
      legendY += 16;
    }
    out.push(
      `<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="3"${dash}/>`,
      `<text x="${legendX + 22}" y="${legendY}">${esc(s.label)}</text>`,
    );
    legendX += width;
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
