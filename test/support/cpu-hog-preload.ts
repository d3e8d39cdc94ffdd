// Preloaded into a platform process (node --import) to fake a machine whose CPU cannot keep up: after
// SIGUSR2, the event loop is kept busy for TEST_CPU_HOG_SHARE (0–1) of every 10 ms, as if other work
// took that share of the only core; a second SIGUSR2 stops it. Test support only: the platform never
// loads it (cpu-hog.ts starts processes with it).
const share = Number(process.env.TEST_CPU_HOG_SHARE ?? 0.9);
if (!(share > 0 && share < 1)) throw new Error(`TEST_CPU_HOG_SHARE must be between 0 and 1, not ${process.env.TEST_CPU_HOG_SHARE}`);

let hog: NodeJS.Timeout | undefined;
process.on('SIGUSR2', () => {
  if (hog) {
    clearInterval(hog);
    hog = undefined;
    return;
  }
  hog = setInterval(() => {
    const until = performance.now() + 10 * share;
    while (performance.now() < until);
  }, 10 * (1 - share));
});
