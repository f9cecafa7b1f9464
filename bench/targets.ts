import { ms, num, pct, times, type Metrics, type TargetOutcome } from './report';
import { ratio } from './stats';

/** Each section's metrics by section name; a section that did not run is absent. */
export type AllMetrics = Record<string, Metrics | undefined>;

const n = (metrics: Metrics | undefined, key: string): number => {
  const value = metrics?.[key];
  return typeof value === 'number' ? value : Number.NaN;
};

const judge = (ok: boolean): TargetOutcome['status'] => (ok ? 'pass' : 'miss');

function outcome(
  target: string,
  limit: string,
  value: number,
  pass: (v: number) => boolean,
  measured: string,
  detail?: string,
): TargetOutcome {
  if (!Number.isFinite(value)) return { target, limit, measured: '—', status: 'not run', detail };
  return { target, limit, measured, status: judge(pass(value)), detail };
}

export const HTTP_FUNCTIONS = ['register', 'login', 'upload', 'images', 'delete'] as const;

/** The targets of issue 8, never weakened: a miss is a finding. */
export function evaluateTargets(all: AllMetrics): TargetOutcome[] {
  const out: TargetOutcome[] = [];
  const { http, growth, pipeline, cold, memory, engine } = all;

  const idRatio = ratio(n(http, 'imagesId_c16_rps'), n(http, 'imagesId_c16_hello_rps'));
  out.push(
    outcome(
      'images/{id} at c16: ≥ 40% of hello-world rps',
      '≥ 40%',
      idRatio,
      (v) => v >= 0.4,
      pct(idRatio),
      `${num(n(http, 'imagesId_c16_rps'))} vs ${num(n(http, 'imagesId_c16_hello_rps'))} rps`,
    ),
  );
  const p99 = n(http, 'images24_c16_p99');
  out.push(outcome('images list of 24 at c16: p99', '≤ 30 ms', p99, (v) => v <= 30, `${ms(p99)} ms`));

  for (const stat of ['p50', 'p99'] as const) {
    const big = n(growth, `list_${stat}_100000`);
    const small = n(growth, `list_${stat}_100`);
    const value = ratio(big, small);
    out.push(
      outcome(
        `images list of 24 at c16: 100 000-image table vs 100-image table, ${stat}`,
        '≤ 1.2×',
        value,
        (v) => v <= 1.2,
        times(value),
        stat === 'p99'
          ? `${ms(big)} vs ${ms(small)} ms; median of the rounds' p99: ${times(ratio(n(growth, 'list_round_p99_100000'), n(growth, 'list_round_p99_100')))}`
          : `${ms(big)} vs ${ms(small)} ms`,
      ),
    );
  }

  for (const [shape, key] of [
    ['one process, as npm start', 'passthrough'],
    ['processUpload in its own process, as deployed', 'instance'],
  ] as const) {
    for (const [stat, limit] of [
      ['p50', 50],
      ['p99', 150],
    ] as const) {
      const value = n(pipeline, `${key}_c8_${stat}`);
      const label = `Pipeline overhead at 8 concurrent uploads (${shape}): ${stat}`;
      out.push(outcome(label, `≤ ${limit} ms`, value, (v) => v <= limit, `${ms(value)} ms`));
    }
  }

  const hello = n(cold, 'cold_hello_ms');
  for (const fn of HTTP_FUNCTIONS) {
    const value = ratio(n(cold, `cold_${fn}_ms`), hello);
    out.push(
      outcome(
        `Cold start of ${fn} vs hello world`,
        '≤ 1.5×',
        value,
        (v) => v <= 1.5,
        times(value),
        `${ms(n(cold, `cold_${fn}_ms`))} vs ${ms(hello)} ms`,
      ),
    );
  }
  for (const fn of HTTP_FUNCTIONS) {
    const loaded = cold?.[`unneeded_${fn}`];
    const target = `${fn} loads none of sharp, undici, the Firestore client, the SQL pool (nor the Storage client) unless it uses them`;
    if (!Array.isArray(loaded)) out.push({ target, limit: 'none', measured: '—', status: 'not run' });
    else
      out.push({
        target,
        limit: 'none',
        measured: loaded.length ? loaded.join(', ') : 'none',
        status: judge(loaded.length === 0),
      });
  }

  const inputs = Array.isArray(memory?.inputs) ? memory.inputs : [];
  if (inputs.length === 0)
    out.push({
      target: 'processUpload peak RSS on the largest inputs',
      limit: '≤ 512 MiB',
      measured: '—',
      status: 'not run',
    });
  for (const input of inputs) {
    const value = n(memory, `peak_mib_${input}`);
    out.push(outcome(`processUpload peak RSS, ${input}`, '≤ 512 MiB', value, (v) => v <= 512, `${num(value)} MiB`));
  }

  const sizes = Array.isArray(engine?.sizes) ? engine.sizes : [];
  if (sizes.length === 0)
    out.push({ target: 'Local engine, ms per megapixel', limit: '≤ 100 ms/MP', measured: '—', status: 'not run' });
  for (const size of sizes) {
    const perMp = n(engine, `ms_per_mp_${size}`);
    out.push(
      outcome(
        `Local engine, ms per megapixel at ${size}`,
        '≤ 100 ms/MP',
        perMp,
        (v) => v <= 100,
        `${ms(perMp)} ms/MP`,
        engine?.[`label_${size}`] as string | undefined,
      ),
    );
  }

  const login = ratio(n(growth, 'login_p50'), n(growth, 'bcrypt_p50'));
  out.push(
    outcome(
      'Login p50 vs one bcrypt compare at the configured cost',
      '≤ 1.1×',
      login,
      (v) => v <= 1.1,
      times(login),
      `${ms(n(growth, 'login_p50'))} vs ${ms(n(growth, 'bcrypt_p50'))} ms, cost ${num(n(growth, 'bcrypt_cost'))}`,
    ),
  );
  return out;
}
