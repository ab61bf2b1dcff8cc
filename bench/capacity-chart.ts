// Charts for the capacity benchmark: a Vega-Lite spec compiled by vega-lite, rendered to SVG by
// vega's headless view, rasterised to PNG by resvg (all three from npm, binaries included).
import { writeFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

async function render(spec: vl.TopLevelSpec, path: string): Promise<void> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true }, fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  await writeFile(path, png);
}

/** Grouped horizontal bars: one row per process, one bar per series (step). */
export function barChart(rows: { process: string; series: string; value: number }[], title: string, unit: string, path: string): Promise<void> {
  return render(
    {
      title,
      width: 520,
      data: { values: rows },
      mark: 'bar',
      encoding: {
        y: { field: 'process', type: 'nominal', sort: '-x', title: null },
        yOffset: { field: 'series', type: 'nominal', sort: null },
        x: { field: 'value', type: 'quantitative', title: unit },
        color: { field: 'series', type: 'nominal', sort: null, title: null },
      },
    },
    path,
  );
}

/** Line charts side by side, one per metric, log-log: a slope of 1 is a cost linear in x. */
export function lineCharts(rows: { x: number; y: number; metric: string; series: string }[], xTitle: string, title: string, path: string): Promise<void> {
  const metrics = [...new Set(rows.map((r) => r.metric))];
  return render(
    {
      title,
      hconcat: metrics.map((metric) => ({
        width: 300,
        height: 220,
        data: { values: rows.filter((r) => r.metric === metric && r.y > 0) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: { type: 'log' }, title: xTitle },
          y: { field: 'y', type: 'quantitative', scale: { type: 'log' }, title: `${metric} (log)` },
          color: { field: 'series', type: 'nominal', title: null },
        },
      })),
    },
    path,
  );
}
