// SVG uploads are stored and served as the PNG picture they draw, never as SVG. A filter or sanitizer
// has to know every way an SVG can run script or load something (an <animate> or <set> that changes
// an href to javascript:, entities that hide a keyword, <foreignObject>, external references); a
// bitmap has none of them. resvg (@resvg/resvg-wasm) draws the SVG in a worker thread, within bounds:
// - the renderer is WebAssembly with no file system and no network, so an <image> pointing at a URL
//   or a server path draws nothing (the native build of resvg would read local files);
// - time: the worker is terminated at the deadline, which stops WebAssembly at once (native code
//   would run on to the end). The drawing itself may use MAX_RENDER_CPU_MS of CPU time on its thread
//   (422 past it: the SVG is too complex; CPU time rather than wall time, so that a loaded machine
//   does not make an ordinary drawing "too complex"), and the whole, worker start included, never
//   outlives the request's own bound (503 past it: the server is too busy);
// - memory: the WebAssembly memory may grow to RENDER_MEMORY_MB (resvg's module declares no
//   maximum; one is written into it when it is compiled), past which that render fails alone;
// - size: the picture is RASTER_SIDE pixels on its longer side, and drawings more than MAX_ASPECT
//   times longer than wide are refused;
// - one worker per render, so nothing of one upload outlives it (WebAssembly memory never shrinks),
//   and at most MAX_RENDERS at once in a process; more are refused with 503 at once.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import type { RasterJob, RasterReply, RasterStarted } from './svg-raster-worker.ts';

/** Pixels on the longer side of a picture drawn from an SVG. */
export const RASTER_SIDE = 1200;
/** The most the longer side of an SVG may be of its shorter side. */
export const MAX_ASPECT = 10;
/** The most CPU time one SVG may take to draw (ms), from the moment the renderer is ready. Ordinary
 *  drawings take a tenth of a second or so. */
export const MAX_RENDER_CPU_MS = 3_000;
/** The most memory one render may use (MiB of WebAssembly memory). */
export const RENDER_MEMORY_MB = 256;
/** Renders at once in one process: each may keep a core busy for MAX_RENDER_CPU_MS. */
export const MAX_RENDERS = 1;

const require = createRequire(import.meta.url);
const WORKER_URL = new URL('./svg-raster-worker.ts', import.meta.url);
const WASM_PATH = require.resolve('@resvg/resvg-wasm/index_bg.wasm');
const FONT_FAMILY = 'DejaVu Sans';
const FONT_PATHS = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];
const WASM_PAGE = 64 * 1024;
const CPU_POLL_MS = 100;
/** Linux reports a thread's CPU time in USER_HZ ticks, 100 a second on every architecture. */
const CPU_TICK_MS = 10;

export interface Raster {
  png: Uint8Array;
  width: number;
  height: number;
}

let running = 0;
let assets: Promise<{ module: WebAssembly.Module; fonts: Uint8Array[] }> | undefined;

/** Draws an SVG as a PNG within the bounds above; `timeoutMs` is what is left of the request's bound. */
export async function rasterizeSvg(svg: Uint8Array, timeoutMs: number): Promise<Result<Raster>> {
  if (running >= MAX_RENDERS) return refuse('svg_busy');
  const deadline = performance.now() + timeoutMs;
  running++;
  try {
    const { module, fonts } = await loadAssets();
    return await renderInWorker(
      { module, fonts, fontFamily: FONT_FAMILY, svg, side: RASTER_SIDE, maxAspect: MAX_ASPECT },
      deadline,
    );
  } finally {
    running--;
  }
}

/** resvg compiled once per process, its memory capped, and the fonts, read on first use. */
function loadAssets(): Promise<{ module: WebAssembly.Module; fonts: Uint8Array[] }> {
  assets ??= (async () => {
    const [wasm, ...fonts] = await Promise.all([readFile(WASM_PATH), ...FONT_PATHS.map((path) => readFile(path))]);
    return {
      module: await WebAssembly.compile(withMemoryMaximum(wasm, (RENDER_MEMORY_MB * 1024 * 1024) / WASM_PAGE)),
      fonts,
    };
  })();
  assets.catch(() => (assets = undefined));
  return assets;
}

/** Runs one job in its own worker, terminated once it has answered or at the deadline. */
function renderInWorker(job: RasterJob, deadline: number): Promise<Result<Raster>> {
  const worker = new Worker(WORKER_URL, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  worker.unref();
  return new Promise((resolve, reject) => {
    let renderTimer: NodeJS.Timeout | undefined;
    let requestTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: Result<Raster> | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(requestTimer);
      clearTimeout(renderTimer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
      worker.removeAllListeners();
      worker.on('error', () => {});
      void worker.terminate();
    };
    // The drawing's CPU time, read every CPU_POLL_MS; where it cannot be read, its wall time.
    const budgetCpu = async (statPath: string | undefined): Promise<void> => {
      const base = statPath ? await threadCpuMs(statPath) : undefined;
      if (settled) return;
      if (base === undefined) {
        renderTimer = setTimeout(() => settle(tooSlow()), MAX_RENDER_CPU_MS);
        return;
      }
      const poll = async (): Promise<void> => {
        const used = await threadCpuMs(statPath!);
        if (settled) return;
        if (used !== undefined && used - base >= MAX_RENDER_CPU_MS) settle(tooSlow());
        else renderTimer = setTimeout(poll, CPU_POLL_MS);
      };
      renderTimer = setTimeout(poll, CPU_POLL_MS);
    };
    requestTimer = setTimeout(() => settle(busy()), Math.max(0, deadline - performance.now()));
    worker.on('message', (message: RasterStarted | RasterReply) => {
      if ('started' in message) void budgetCpu(message.started);
      else settle(fromReply(message));
    });
    // Over the worker's JavaScript heap is the SVG's doing; any other failure is the platform's (500).
    worker.once('error', (err: Error & { code?: string }) =>
      settle(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? tooBig()
          : new Error(`SVG renderer failed: ${err.message}`, { cause: err }),
      ),
    );
    worker.once('exit', () => settle(new Error('SVG renderer stopped without answering')));
  });
}

/** A thread's CPU time so far (ms), from its /proc stat file; undefined once the thread is gone. */
async function threadCpuMs(statPath: string): Promise<number | undefined> {
  try {
    const stat = await readFile(statPath, 'utf8');
    // After "pid (name) ": state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CPU_TICK_MS;
  } catch {
    return undefined;
  }
}

function fromReply(reply: RasterReply): Result<Raster> {
  if (reply.ok) return ok({ png: reply.png, width: reply.width, height: reply.height });
  switch (reply.reason) {
    case 'invalid':
      return refuse('svg_invalid', { detail: reply.detail });
    case 'shape':
      return invalid(
        { image: fieldError('IMAGE_ASPECT_TOO_EXTREME', { maxRatio: MAX_ASPECT }) },
        refuse('svg_aspect', { size: reply.detail, maxRatio: MAX_ASPECT }),
      );
    case 'aborted':
      return tooBig();
  }
}

const busy = (): Result<never> => refuse('svg_busy');
const tooSlow = (): Result<never> =>
  invalid({ image: fieldError('IMAGE_TOO_COMPLEX') }, refuse('svg_too_slow', { cpuSeconds: MAX_RENDER_CPU_MS / 1000 }));
const tooBig = (): Result<never> =>
  invalid({ image: fieldError('IMAGE_TOO_COMPLEX') }, refuse('svg_too_big', { memoryMegabytes: RENDER_MEMORY_MB }));

/**
 * The WebAssembly binary with its one memory given a maximum (in 64 KiB pages): resvg's module
 * declares none, so without this a render could grow it to 4 GiB. The memory section (id 5) is
 * rewritten from "1 memory, no maximum, min" to "1 memory, min, max".
 */
export function withMemoryMaximum(wasm: Uint8Array, maxPages: number): Uint8Array<ArrayBuffer> {
  let at = 8; // after the magic number and the version
  while (at < wasm.length) {
    const sectionStart = at;
    const id = wasm[at++];
    const [size, sizeBytes] = readUleb(wasm, at);
    at += sizeBytes;
    if (id === 5) {
      const body = wasm.subarray(at, at + size);
      if (body[0] !== 1 || body[1] !== 0) throw new Error('resvg: unexpected WebAssembly memory section');
      const [minPages] = readUleb(body, 2);
      if (minPages > maxPages) throw new Error('resvg: the memory cap is below the module’s own minimum');
      const content = [1, 1, ...body.subarray(2), ...uleb(maxPages)];
      const section = [5, ...uleb(content.length), ...content];
      const out = new Uint8Array(sectionStart + section.length + wasm.length - (at + size));
      out.set(wasm.subarray(0, sectionStart));
      out.set(section, sectionStart);
      out.set(wasm.subarray(at + size), sectionStart + section.length);
      return out;
    }
    at += size;
  }
  throw new Error('resvg: no WebAssembly memory section');
}

function readUleb(bytes: Uint8Array, at: number): [value: number, length: number] {
  let value = 0;
  let length = 0;
  let byte: number;
  do {
    byte = bytes[at + length];
    value += (byte & 0x7f) * 2 ** (7 * length);
    length++;
  } while (byte & 0x80);
  return [value, length];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}
