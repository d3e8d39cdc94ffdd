// Preloaded into a platform process (node --import) to fake a host whose wall clock is off by
// TEST_CLOCK_SKEW_MS milliseconds: Date.now() and `new Date()` read the skewed time, as they would on
// a host whose time synchronisation is broken. Timers and the monotonic clock (performance.now) are
// untouched, as on such a host. Test support only: the platform never loads it (clock-skew.ts starts
// processes with it).
const skewMs = Number(process.env.TEST_CLOCK_SKEW_MS ?? 0);
if (!Number.isFinite(skewMs))
  throw new Error(`TEST_CLOCK_SKEW_MS must be a number of milliseconds, not ${process.env.TEST_CLOCK_SKEW_MS}`);

const HostDate = Date;
const skewedNow = (): number => HostDate.now() + skewMs;

globalThis.Date = new Proxy(HostDate, {
  // new Date() is now; new Date(x) is x, whatever the clock.
  construct: (target, args, newTarget) => Reflect.construct(target, args.length ? args : [skewedNow()], newTarget),
  // Date() called as a function gives the current time as a string.
  apply: () => new HostDate(skewedNow()).toString(),
  get: (target, key, receiver) => (key === 'now' ? skewedNow : Reflect.get(target, key, receiver)),
});
