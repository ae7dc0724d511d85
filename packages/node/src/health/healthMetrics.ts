import { Gauge, type Registry } from 'prom-client';

const NAME = 'v2g_health_condition';

/** One gauge per condition, 1 while it holds; shared by every monitor on the registry. */
export function createHealthMetrics(register: Registry) {
  const existing = register.getSingleMetric(NAME) as Gauge<'condition'> | undefined;
  return {
    condition:
      existing ??
      new Gauge({
        name: NAME,
        help: 'Whether a health condition holds (1) or not (0); any 1 makes /v1/health answer 503',
        labelNames: ['condition'] as const,
        registers: [register],
      }),
  };
}

export type HealthMetrics = ReturnType<typeof createHealthMetrics>;
