// Charts for the dashboard, drawn with uPlot (served by the LEAG from its npm package).
import uPlot from '/ui/uPlot.esm.js';

const PALETTE = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bf8700', '#0a7ea4', '#cf5d00', '#57606a'];
export const colour = (i) => PALETTE[i % PALETTE.length];

/** A line chart over market windows that keeps its uPlot instance while its series stay the same. */
export class WindowChart {
  constructor(container, yLabel) {
    this.container = container;
    this.yLabel = yLabel;
    this.plot = null;
    this.key = '';
  }

  /** series: [{label, values (one per x, null for none), stroke?, dash?, width?, points?, pointSize?, spanGaps?}] */
  update(xs, series) {
    const key = series.map((s) => s.label).join('|');
    const data = [xs, ...series.map((s) => s.values)];
    if (this.plot && key === this.key) {
      this.plot.setData(data);
      return;
    }
    this.plot?.destroy();
    this.key = key;
    const width = Math.max(320, this.container.clientWidth - 8);
    this.plot = new uPlot(
      {
        width,
        height: 240,
        scales: { x: { time: false } },
        // Windows are whole numbers: no ticks between them.
        axes: [
          { label: 'window', incrs: [1, 2, 5, 10, 20, 50, 100] },
          { label: this.yLabel, size: 70 },
        ],
        series: [
          { label: 'window' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.stroke ?? colour(i),
            width: s.width ?? 2,
            dash: s.dash,
            spanGaps: s.spanGaps ?? false,
            points: { show: s.points ?? true, size: s.pointSize ?? 5 },
          })),
        ],
      },
      data,
      this.container,
    );
  }
}

/** Values of `points` ({window, value}, oldest first) at each x, held from one point to the next; null before the first. */
export function heldAt(xs, points) {
  const out = [];
  let i = 0;
  let last = null;
  for (const x of xs) {
    while (i < points.length && points[i].window <= x) last = points[i++].value;
    out.push(last);
  }
  return out;
}
