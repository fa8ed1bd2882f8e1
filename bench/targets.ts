// Issue 10's targets, judged against one run's figures: the harness prints these and writes them
// into its results, so that a run says by itself which targets it met.
import { median } from './median.js';

export interface Verdict {
  target: string;
  /** What this run measured, as a reader would quote it. */
  figure: string;
  met: boolean;
}

/** What `verdicts` reads of a run: closed-loop results by scenario, their paired ratios, the open-loop curves, replay. */
export interface RunFigures {
  results: Record<string, { name: string; p99: number } | undefined>;
  /** Each scenario's ratios to its bracketing bare-Koa runs, by the scenario's name. */
  ratios: Record<string, number[]>;
  /** p99 (ms) by offered rate, by scenario key ('bare' for the baseline). */
  curves: Record<string, Array<{ offeredPerSecond: number; achievedPerSecond: number; p99: number }>>;
  /** Each scenario's bare-Koa baseline (its own request shape), by the scenario's name. */
  bare?: Record<string, { p99: number } | undefined>;
  replayEventsPerSecond?: number;
}

interface ScenarioTarget {
  key: string;
  label: string;
  /** Least ratio to bare Koa's req/s. */
  ratio?: number;
  /** Most p99 in ms. */
  p99: number;
}

export const SCENARIO_TARGETS: readonly ScenarioTarget[] = [
  { key: 'introspect', label: 'introspect', ratio: 0.75, p99: 5 },
  { key: 'clientCredentials', label: 'client_credentials', ratio: 0.4, p99: 15 },
  { key: 'sunbird', label: 'Sunbird v1 register', ratio: 0.4, p99: 15 },
  { key: 'isolated', label: 'introspect while 20 logins run', p99: 10 },
];
export const REPLAY_TARGET = 100_000;

/** Rounded down to one decimal, so that a ratio just under its target never prints as the target. */
const percent = (x: number) => `${(Math.floor(x * 1000 + 1e-9) / 10).toFixed(1)}%`;

/** Every target the run has figures for: a scenario it skipped (BENCH_ONLY) is left out. */
export function verdicts(run: RunFigures): Verdict[] {
  const out: Verdict[] = [];
  for (const t of SCENARIO_TARGETS) {
    const result = run.results[t.key];
    if (!result) continue;
    const ratios = run.ratios[result.name];
    if (t.ratio !== undefined && ratios?.length) {
      const r = median(ratios);
      out.push({ target: `${t.label} >= ${Math.round(t.ratio * 100)}% of bare Koa's req/s`, figure: percent(r), met: r >= t.ratio });
    }
    const baseline = run.bare?.[result.name];
    const bare = baseline ? ` (bare Koa's own: ${baseline.p99} ms)` : '';
    out.push({ target: `${t.label} p99 <= ${t.p99} ms, 50 connections, closed loop`, figure: `${result.p99} ms${bare}`, met: result.p99 <= t.p99 });
    const curve = run.curves[t.key];
    if (curve?.length) {
      // The highest offered rate up to which every point kept up and stayed within the target.
      let upTo: number | undefined;
      for (const p of [...curve].sort((a, b) => a.offeredPerSecond - b.offeredPerSecond)) {
        if (p.p99 > t.p99 || p.achievedPerSecond < p.offeredPerSecond * 0.98) break;
        upTo = p.offeredPerSecond;
      }
      const rates = curve.map((p) => `${p.p99} ms at ${p.offeredPerSecond}/s`).join(', ');
      const all = upTo === Math.max(...curve.map((p) => p.offeredPerSecond));
      // The baseline's own curve, at the same rates, says how much of a miss the machine itself made.
      const bareCurve = run.curves.bare;
      const bareAt = (rate: number) => bareCurve?.find((p) => p.offeredPerSecond === rate)?.p99 ?? '-';
      const bareNote = bareCurve?.length ? `; bare Koa's own, introspection's shape: ${curve.map((p) => bareAt(p.offeredPerSecond)).join(' / ')} ms` : '';
      out.push({
        target: `${t.label} p99 <= ${t.p99} ms, open loop`,
        figure: `${upTo === undefined ? 'at no rate' : `up to ${upTo}/s`} (${rates}${bareNote})`,
        met: all,
      });
    }
  }
  if (run.replayEventsPerSecond !== undefined) {
    out.push({ target: `replay >= ${REPLAY_TARGET.toLocaleString('en')} events/s`, figure: `${Math.round(run.replayEventsPerSecond).toLocaleString('en')} events/s`, met: run.replayEventsPerSecond >= REPLAY_TARGET });
  }
  return out;
}
