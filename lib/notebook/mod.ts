/**
 * Cell outputs for notebooks on the Deno Jupyter kernel — the `@llm-bench/llm-bench/notebook` entry point: a run with
 * a progress display that updates in place, summaries, charts, comparison tables and chat turns, all as HTML outputs
 * (nbconvert keeps those; it strips SVG outputs). Outside Jupyter each prints a plain-text fallback.
 * @module
 */
export {
  answerMetricsHtml,
  askInNotebook,
  progressHtml,
  runListHtml,
  runWithProgress,
  showCharts,
  showChatTurns,
  showHtml,
  type ShowOptions,
  showSummary,
} from "./display.ts";
export { comparisonSectionHtml, comparisonTableHtml } from "../compare/html.ts";
export {
  LIVE_PANEL_INTERVAL_MS,
  livePanelHtml,
  type LiveRun,
  newLiveRun,
  recordSeen,
  serverSeen,
} from "./live_panel.ts";
