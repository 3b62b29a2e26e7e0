/**
 * `deno task bench`: runs one benchmark from command-line flags and prints the summary.
 * @module
 */
import { loadEnvFiles } from "../config/dotenv.ts";
import { ConfigError, EndpointError } from "../errors.ts";
import type { RequestRecord } from "../results/schema.ts";
import { sweepSummary } from "../metrics/sweep.ts";
import { formatNumber, formatSummaryTable, inFlightCap } from "../report/summary_table.ts";
import { formatSweepTable } from "../report/sweep_table.ts";
import { type BenchmarkOptions, type BenchmarkResult, type BenchmarkStart, runParsed } from "../runner/pipeline.ts";
import { runRepeats, runSweep } from "../runner/sweep.ts";
import { capacityRecord, findCapacity, probeRecord } from "../runner/capacity.ts";
import { answerLines, capacityHeading, probeLines } from "../report/capacity_text.ts";
import { repeatSummary } from "../metrics/repeat.ts";
import { formatRepeatTable } from "../report/repeat_table.ts";
import { benchHelp, type BenchPlan, resolveBenchConfig } from "./args.ts";
import { withDiscoveredModel } from "./discover_model.ts";
import { cliMessage, flagName } from "./flags.ts";
import { fitHelp, versionText } from "./help.ts";
import { fitLine, outputColumns, stderrColumns } from "../text.ts";
import { calibrationText } from "../plan/calibrate.ts";
import { createProgressView } from "./progress.ts";
import { emphasize, paint, wantsColour } from "./style.ts";
import { targetName } from "../config/precision.ts";
import { INTERRUPT_EXIT_CODES, type InterruptSignal, listenForInterrupts } from "./signals.ts";

const colourErr = wantsColour(Deno.stderr);
const colourOut = wantsColour(Deno.stdout);
/** A line on standard error: wrapped at its words to the terminal's width (whole when piped), errors in red. */
const err = (s: string) => {
  const style = /^error:/.test(s) ? "bad" : /^\*\*\* SIMULATED/.test(s) ? "warn" : undefined;
  const blank = /^\n*/.exec(s)![0];
  const lines = fitLine(s.slice(blank.length), stderrColumns());
  console.error(blank + (style ? lines.map((l) => paint(l, style, colourErr)).join("\n") : lines.join("\n")));
};

/** The server's first message for each error code of a run's failed requests, one line each (at most 5 codes). */
export function firstErrors(records: readonly RequestRecord[]): string[] {
  const first = new Map<string, { message: string; count: number }>();
  for (const r of records) {
    if (r.status !== "error" || !r.error) continue;
    const seen = first.get(r.error.code);
    if (seen) seen.count++;
    else first.set(r.error.code, { message: r.error.message, count: 1 });
  }
  return [...first].slice(0, 5).map(([code, { message, count }]) =>
    paint(`${code} × ${count}: ${message.length > 200 ? `${message.slice(0, 199)}…` : message}`, "bad", colourErr)
  );
}

/** Progress of a long preparation (a dataset's lines counted): redrawn in place on a terminal, else each 10 %. */
function preparationView() {
  const tty = Deno.stderr.isTerminal();
  let last = 0;
  let lastTenth = -1;
  let drawn = false;
  return {
    update(done: number, total: number) {
      const now = performance.now();
      const tenth = Math.floor((done / Math.max(1, total)) * 10);
      if (tty ? now - last < 200 && done < total : tenth === lastTenth) return;
      last = now;
      lastTenth = tenth;
      const line = `Preparing: ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} dataset lines counted`;
      if (tty) {
        Deno.stderr.writeSync(new TextEncoder().encode(`\r\x1b[2K${line}`));
        drawn = true;
      } else err(line);
    },
    done() {
      if (drawn) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
      drawn = false;
    },
  };
}

/** What a run shows while it goes: preparation, warm-up and run progress, under an optional label (a sweep's). */
function runView(label?: string) {
  const view = {
    label,
    preparing: preparationView(),
    warmup: createProgressView("warm-up"),
    progress: createProgressView(),
    done() {
      view.preparing.done();
      view.warmup.done();
      view.progress.done();
    },
  };
  return view;
}

/** The lines that say, before the first request, what a run is about to do and against what. */
function announce(s: BenchmarkStart, label: string | undefined, formatDetected: boolean): void {
  if (s.endpoint.simulated) {
    err(
      "*** SIMULATED ENDPOINT: no endpoint configured, so llm-bench started its built-in simulator on " +
        `${s.endpoint.url}. The numbers below describe the simulator, not a model server. ***`,
    );
    err("    (point it at a real server with --base-url URL --model NAME, or OPENAI_API_BASE in .env)");
  }
  const targets = s.config.targetPrecision?.map((t) => `${targetName(t)} ±${+(t.relative * 100).toFixed(2)} %`);
  const count = Number.isFinite(s.requests)
    ? `${s.requests} requests${targets ? ` at most, until ${targets.join(", ")}` : ""}`
    : targets
    ? `requests until ${targets.join(", ")}`
    : "requests";
  const trace = s.datasetFormat === "mooncake";
  const shape = trace
    ? `at the trace's timestamps${s.config.traceSpeed !== 1 ? ` × 1/${s.config.traceSpeed}` : ""}${
      inFlightCap(s.config.numConcurrentRequests, s.concurrency)
    }`
    : s.config.requestRate
    ? `${s.config.arrival} arrivals at ${s.config.requestRate} req/s${
      inFlightCap(s.config.numConcurrentRequests, s.concurrency)
    }`
    : s.requests < s.concurrency
    ? `${s.requests} at a time (--num-concurrent-requests ${s.concurrency} is more than the requests)`
    : `${s.concurrency} at a time`;
  const bounds = s.config.durationS ? ` for ${s.config.durationS} s` : "";
  const warm = s.warmupRequests ? ` after ${s.warmupRequests} warm-up requests` : "";
  if (s.config.dataset) {
    err(
      `Dataset ${s.config.dataset}: read as ${s.datasetFormat ?? "?"}${
        formatDetected ? " (detected; --dataset-format to force one)" : ""
      }`,
    );
  }
  const shard = s.config.shards !== undefined
    ? ` as shard ${s.config.shardIndex} of ${s.config.shards} (requests ${s.config.shardIndex}, ${
      (s.config.shardIndex ?? 0) + s.config.shards
    }, … of run ${s.runId})`
    : "";
  err(
    `${label ? `[${label}] ` : ""}Running ${count}, ${shape}${bounds}${warm}${shard}, against ` +
      `${s.endpoint.api} ${s.endpoint.url} (model ${s.endpoint.model}); tokenizer ${s.tokenizer}`,
  );
  err(serverMetricsLine(s.serverMetrics));
  if (s.calibration) err(`Prompts sized by the server's counts: ${calibrationText(s.calibration)}`);
}

/** What `--server-metrics` found, in one line. */
export function serverMetricsLine(found: BenchmarkStart["serverMetrics"]): string {
  if (found.scraped) {
    return `Server metrics: ${found.url} (${found.families} families${
      found.engine ? `, ${found.engine} names` : ", no engine's names known: kept raw, not summarized"
    }), scraped every second`;
  }
  return found.url === null
    ? "Server metrics: off"
    : `Server metrics: none — ${found.url} ${found.reason} (--server-metrics URL to name them)`;
}

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let plan: Extract<BenchPlan, { input: unknown }>;
  let loaded: ReturnType<typeof loadEnvFiles> | undefined;
  // Which .env files were read, and their lines that were not: said before anything else, even before an error.
  const tellEnv = () => {
    if (loaded?.files.length) err(`Settings from ${loaded.files.join(" and ")} (environment variables win)`);
    for (const w of loaded?.warnings ?? []) err(`warning: ${w}`);
  };
  try {
    loaded = loadEnvFiles();
    const resolved = resolveBenchConfig(await withDiscoveredModel(argv, loaded.env, err), loaded.env);
    if (resolved.help) {
      console.log(fitHelp(benchHelp()));
      return 0;
    }
    if (resolved.version) {
      console.log(versionText());
      return 0;
    }
    plan = resolved;
    tellEnv();
  } catch (e) {
    if (e instanceof ConfigError) {
      tellEnv();
      err(`error: ${cliMessage(e)}`);
      return 2;
    }
    throw e;
  }

  const stop = new AbortController();
  let signalled: InterruptSignal | undefined;
  using _interrupts = listenForInterrupts((sig) => {
    signalled = sig;
    err(`\n${sig}: stopping — aborting requests in flight and writing the summary (again to quit at once)`);
    stop.abort(new DOMException(`stopped by ${sig}`, "AbortError"));
  }, (sig) => Deno.exit(INTERRUPT_EXIT_CODES[sig])); // a second interrupt: leave now

  // The views of the run in progress (a sweep's runs get fresh ones each).
  let view = runView();
  const options: BenchmarkOptions = {
    signal: stop.signal,
    onPrepareProgress: (done, total) => view.preparing.update(done, total),
    onStart(s) {
      view.preparing.done();
      announce(s, view.label, plan.input.datasetFormat === undefined);
    },
    onWaitForStart(at) {
      const inS = (at - Date.now()) / 1000;
      err(
        inS > 0
          ? `Ready; waiting for the common start at ${new Date(at).toISOString()} (in ${inS.toFixed(1)} s)…`
          : `The common start ${new Date(at).toISOString()} was ${
            (-inS).toFixed(1)
          } s ago: starting now (recorded as late)`,
      );
    },
    onWarmupProgress: (p) => view.warmup.update(p),
    onProgress: (p) => {
      view.warmup.done();
      view.progress.update(p);
    },
  };
  // The HTML report's charts (Plot on jsdom) load only after a run: they would add most of a second to start-up.
  const writeReport = async (result: BenchmarkResult) => {
    const { writeRunReport } = await import("../report/html_report.ts");
    await writeRunReport(result);
  };

  try {
    err("Preparing: drawing the requests, starting the endpoint…");
    const printFiles = (files: { records: string; summary: string; report: string } | null) => {
      if (!files) return;
      console.log("");
      console.log(`Records: ${files.records}`);
      console.log(`Summary: ${files.summary}`);
      console.log(`Report:  ${files.report}`);
    };

    /** Hooks that give each of several runs its own progress views, write its report, then `show` it. */
    const perRun = (
      label: (value: number, i: number) => string,
      show: (run: { value: number; result: BenchmarkResult }, i: number) => void,
    ) => ({
      onRunStart: (value: number, i: number) => {
        view = runView(label(value, i));
      },
      onRunEnd: async (run: { value: number; result: BenchmarkResult }, i: number) => {
        view.done();
        await writeReport(run.result);
        show(run, i);
      },
    });

    const sweep = plan.sweep;
    if (sweep) {
      const label = (value: number, i: number) => `${sweep.field} = ${value} (${i + 1}/${sweep.values.length})`;
      const runs = await runSweep(plan.input, sweep.field, sweep.values, {
        ...options,
        parse: plan.parse,
        ...perRun(label, ({ value, result }, i) => {
          console.log(`\n── ${label(value, i)}`);
          console.log(emphasize(formatSummaryTable(result.summary, { intervals: plan.intervals }), colourOut));
          printFiles(result.files);
        }),
      });
      const summary = sweepSummary(sweep.field, runs);
      console.log("");
      console.log(formatSweepTable(summary, { width: outputColumns() }));
      const first = runs[0]?.result.files;
      if (first) {
        // <model>_<in>_<out>_sweep-<field>_<mode>_<suffix>, beside the runs it summarizes
        const flag = flagName(sweep.field).slice(2);
        const base = first.summary.replace(/_summary\.json$/, "").replace(
          /_[^_]+_(stream|batch)_/,
          `_sweep-${flag}_$1_`,
        );
        await Deno.writeTextFile(`${base}_sweep.json`, JSON.stringify(summary, null, 2) + "\n");
        const { sweepReportHtml } = await import("../report/sweep_report.ts");
        await Deno.writeTextFile(`${base}_sweep.html`, sweepReportHtml(summary));
        console.log("");
        console.log(`Sweep summary: ${base}_sweep.json`);
        console.log(`Sweep report:  ${base}_sweep.html`);
      }
      if (signalled) return INTERRUPT_EXIT_CODES[signalled];
      return runs.every((r) => r.result.summary.run.requestsSucceeded === 0) ? 1 : 0;
    }

    const findMax = plan.findMax;
    if (findMax) {
      const unit = findMax.dimension === "concurrency" ? "" : " req/s";
      const name = findMax.dimension === "concurrency" ? "concurrency" : "rate";
      const heading = { ...findMax, slo: plan.config.slo!, attainmentTarget: findMax.attainment };
      for (const line of capacityHeading(heading, findMax.maxProbes)) err(line);
      let probed = 0;
      const search = await findCapacity(plan.input, {
        ...options,
        ...findMax,
        parse: plan.parse,
        onProbeStart: (load, i) => {
          view = runView(`probe ${i}: ${name} ${load}${unit}`);
        },
        onProbe: async (p) => {
          view.done();
          await writeReport(p.result);
          console.log(probeLines(probeRecord(p), findMax.dimension, ++probed).join("\n"));
        },
      });
      console.log("");
      console.log(answerLines(capacityRecord(search)).join("\n"));
      // The page's charts (Plot on jsdom) load only now, as the run report's do.
      const { writeCapacityFiles } = await import("../report/capacity_report.ts");
      const written = await writeCapacityFiles(search);
      if (written) {
        console.log(`Capacity: ${written.json}`);
        console.log(`Capacity report: ${written.html}`);
      }
      if (signalled) return INTERRUPT_EXIT_CODES[signalled];
      return 0;
    }

    const repeat = plan.repeat;
    if (repeat) {
      const label = (seed: number, i: number) => `run ${i + 1}/${repeat.times}, seed ${seed}`;
      const runs = await runRepeats(plan.input, repeat.times, {
        ...options,
        sameSeed: repeat.sameSeed,
        parse: plan.parse,
        ...perRun(label, ({ value, result }, i) => {
          const m = result.summary.metrics;
          console.log(
            `── ${label(value, i)}: ${result.summary.run.requestsSucceeded} ok · TTFT p50 ${
              formatNumber(m.ttftMs.p50)
            } ms · E2E p50 ${formatNumber(m.e2eMs.p50)} ms · ${
              formatNumber(result.summary.throughput.outputTokensPerS)
            } tok/s · health ${result.summary.health?.verdict ?? "–"}`,
          );
          if (result.files) console.log(`   Report: ${result.files.report}`);
        }),
      });
      // An interrupted run is not the workload: it keeps its files, but stays out of the spread.
      const whole = runs.filter((r) => r.result.summary.run.stopReason !== "interrupted");
      if (whole.length < runs.length) {
        err(`${runs.length - whole.length} interrupted run left out of the repeat table (its files are kept)`);
      }
      const summary = repeatSummary(whole.map((r) => ({ seed: r.value, result: r.result })));
      if (whole.length >= 2) {
        console.log("");
        console.log(emphasize(formatRepeatTable(summary), colourOut));
      } else err("fewer than 2 whole runs: no repeat table");
      const first = whole[0]?.result.files;
      if (first && whole.length >= 2) {
        const base = first.summary.replace(/_summary\.json$/, "").replace(
          /_(stream|batch)_/,
          `_repeat${repeat.times}_$1_`,
        );
        await Deno.writeTextFile(`${base}_repeat.json`, JSON.stringify(summary, null, 2) + "\n");
        console.log("");
        console.log(`Repeat summary: ${base}_repeat.json`);
      }
      if (signalled) return INTERRUPT_EXIT_CODES[signalled];
      return runs.every((r) => r.result.summary.run.requestsSucceeded === 0) ? 1 : 0;
    }

    const result = await runParsed(plan.config, options);
    view.done();
    await writeReport(result);
    console.log("");
    console.log(emphasize(formatSummaryTable(result.summary, { intervals: plan.intervals }), colourOut));
    printFiles(result.files);
    for (const line of firstErrors(result.records)) err(line);
    if (signalled) return INTERRUPT_EXIT_CODES[signalled];
    if (result.summary.run.stopReason === "failing") {
      err(
        `error: the first ${result.summary.config.maxFailures} requests all failed, so the run stopped there ` +
          "(--max-failures N|off) — the server's first message per error code is above; all are in the records",
      );
      return 1;
    }
    if (result.summary.run.requestsSucceeded === 0) {
      err("error: no request succeeded — the server's first message per error code is above; all are in the records");
      return 1;
    }
    return 0;
  } catch (e) {
    view.done();
    if (e instanceof ConfigError) {
      err(`error: ${cliMessage(e)}`);
      return 2;
    }
    if (e instanceof EndpointError) {
      err(`error: ${e.message} (no run; --no-preflight to run anyway)`);
      return 1;
    }
    err(`error: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
