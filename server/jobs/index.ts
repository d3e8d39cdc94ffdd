// Durable scheduled jobs (issue 17), wired into the platform: the runner started with the server, the
// admins' list of jobs, and the test-only probe kind under NODE_ENV=test. Other domains schedule with
// scheduleJob/cancelJob (queue.ts) and register handlers with registerJobHandler (handlers.ts).
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { registerJobHandler } from './handlers.ts';
import { jobRoutes } from './job-routes.ts';
import { createJobRunner, type JobRunner } from './runner.ts';
import { TEST_PROBE_KIND, testProbe } from './test-probe.ts';

export { scheduleJob, cancelJob, type Job, type JobRequest, type Scheduled } from './queue.ts';
export {
  registerJobHandler,
  registerTwoPhaseJobHandler,
  type AfterCommit,
  type JobHandler,
  type TwoPhaseJobHandler,
} from './handlers.ts';

export interface Jobs {
  router: { path: string; app: ApiApp };
  runner: JobRunner;
  start(): void;
  stop(): Promise<void>;
}

export function createJobs(ctx: AppContext): Jobs {
  if (ctx.config.env === 'test') registerJobHandler(TEST_PROBE_KIND, testProbe);
  const runner = createJobRunner(ctx);
  return {
    router: { path: '/', app: jobRoutes(ctx) },
    runner,
    start: () => runner.start(),
    stop: () => runner.stop(),
  };
}
