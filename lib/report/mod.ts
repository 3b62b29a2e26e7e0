/**
 * Reports: the self-contained HTML report of a run and of a sweep (tables and charts, no external resources), the
 * HTML summary table a notebook shows, and the sweep's console table — the `@llm-bench/llm-bench/report` entry point.
 * The run's console table is in the core (`formatSummaryTable`), which loads no chart code.
 * @module
 */
export {
  chartsHtml,
  REPORT_CSS,
  runReportHtml,
  styled,
  summaryHeaderHtml,
  summaryTableHtml,
  writeRunReport,
} from "./html_report.ts";
export { sweepCharts, sweepReportHtml } from "./sweep_report.ts";
export { formatSweepTable } from "./sweep_table.ts";
