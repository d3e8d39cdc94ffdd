import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ out: 'build' }),
      files: { src: 'web', assets: 'web/static' },
      // The API sets its own headers; pages get theirs from SvelteKit's CSP support (HSTS: server/platform.ts).
      // connect-src 'self' only: the API and socket.io are same-origin, and 'self' covers ws:/wss: of
      // the same origin in current browsers (CSP Level 3); a bare ws:/wss: would allow any host.
      csp: {
        mode: 'auto',
        directives: {
          'default-src': ['self'],
          'img-src': ['self', 'data:', 'blob:'],
          'style-src': ['self', 'unsafe-inline'],
          'connect-src': ['self'],
          // An organisation's authorisation document (a PDF) is shown to the lot's manager in a frame
          // from a blob: address the page makes of the bytes it read (issue 19); nothing else is framed.
          'frame-src': ['blob:'],
          'frame-ancestors': ['none'],
          'object-src': ['none'],
          'base-uri': ['self'],
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // One person-hash key for every test process and every server process a test starts.
    setupFiles: ['test/support/person-hash-key.ts'],
    testTimeout: 30_000,
    // A polled expectation (a page updating, a first verification starting its worker thread) gets
    // 10 s on a loaded two-core machine instead of vitest's 1 s; it still passes as soon as it holds.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on servers, sockets and timers: two files at a time on two cores.
    maxWorkers: 2,
  },
});
