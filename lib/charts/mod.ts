/**
 * Charts of records and summaries (Observable Plot, drawn to SVG on jsdom): the `@llm-bench/llm-bench/charts` entry
 * point. Every builder returns a {@link Chart} whose `html` a report or a notebook cell shows as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { benchmark } from "../../mod.ts";
 * import { runCharts } from "./mod.ts";
 * const { records } = await benchmark({ maxNumCompletedRequests: 4 }, { writeFiles: false });
 * const charts = runCharts(records);
 * assert.ok(charts.length > 3 && charts.every((c) => c.empty || c.html.includes("<svg"))); // empty: says why
 * ```
 * @module
 */
export {
  BOX_METRICS,
  boxChart,
  type BoxMetric,
  capacityCharts,
  type CapacityPoint,
  type Chart,
  type ChartOptions,
  chatTurnsCharts,
  clientServerChart,
  curveChart,
  e2eVsOutputChart,
  ecdfChart,
  FEW_POINTS,
  groupedBoxChart,
  type LabelledRun,
  latencyOverTimeChart,
  requestTip,
  runCharts,
  type ServerSeries,
  serverViewCharts,
  stallChart,
  throughputVsOutputChart,
  timelineChart,
  ttftVsInputChart,
  type TurnPoint,
  turnsChart,
} from "./charts.ts";
