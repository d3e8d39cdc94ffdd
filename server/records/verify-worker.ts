// Worker thread entry for record verification (see verify-pool.ts): one job at a time, answered by id.
import { parentPort } from 'node:worker_threads';
import type { Jwks } from './jws.ts';
import { verifyBody, type BodyKind } from './verify-body.ts';

export interface VerifyJob {
  id: number;
  bytes: Uint8Array;
  kind: BodyKind;
  jwks: Jwks;
}

parentPort?.on('message', (job: VerifyJob) => {
  verifyBody(job.bytes, job.kind, job.jwks).then(
    (outcome) => parentPort?.postMessage({ id: job.id, outcome }),
    (err: unknown) => parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
