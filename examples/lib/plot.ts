import * as fs from 'fs';
import * as path from 'path';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { FlowReport } from 'tfjs-lstm';

/** Renders a Vega-Lite spec to an SVG file (no browser: Vega's headless renderer). */
async function writeSvg(spec: vl.TopLevelSpec, file: string): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await view.toSVG());
  view.finalize();
  return file;
}

/** The training loss per step (log scale), with a reference level such as a trivial baseline. */
export function plotLoss(losses: number[], file: string, title: string, baseline?: { value: number; label: string }) {
  const values = losses.map((loss, step) => ({ step, loss, series: 'training loss' }));
  const layers: object[] = [
    {
      mark: { type: 'line', strokeWidth: 1 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'training step' },
        y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'mean squared error' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  ];
  if (baseline) {
    layers.push({
      data: { values: [{ loss: baseline.value, series: baseline.label }] },
      mark: { type: 'rule', strokeDash: [4, 4] },
      encoding: { y: { field: 'loss', type: 'quantitative' }, color: { field: 'series', type: 'nominal' } },
    });
  }
  return writeSvg({ title, width: 560, height: 280, data: { values }, layer: layers } as vl.TopLevelSpec, file);
}

/**
 * The gradient-flow report of one layer direction: ||dL/dh_t|| and ||dL/dc_t|| per time step (log
 * scale) above the mean forget gate per step (a GRU's: ||dL/dh_t|| and its update gate), from the
 * hand-derived backward pass.
 */
export function plotFlow(flow: FlowReport, file: string, title: string) {
  const norms = flow.dhNorm.flatMap((dh, t) => [
    { t, norm: dh, of: 'dL/dh_t' },
    ...(flow.dcNorm.length ? [{ t, norm: flow.dcNorm[t], of: 'dL/dc_t' }] : []),
  ]);
  const gate = flow.dcNorm.length ? 'mean forget gate' : 'mean update gate z';
  const forget = flow.forgetMean.map((f, t) => ({ t, f }));
  const spec = {
    title,
    vconcat: [
      {
        width: 560,
        height: 220,
        data: { values: norms.filter((d) => d.norm > 0) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time step t' },
          y: { field: 'norm', type: 'quantitative', scale: { type: 'log' }, title: 'gradient norm' },
          color: { field: 'of', type: 'nominal', title: null },
        },
      },
      {
        width: 560,
        height: 120,
        data: { values: forget },
        mark: { type: 'line', point: true, color: 'gray' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time step t' },
          y: { field: 'f', type: 'quantitative', scale: { domain: [0, 1] }, title: gate },
        },
      },
    ],
  } as vl.TopLevelSpec;
  return writeSvg(spec, file);
}
