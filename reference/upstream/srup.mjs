// srup.mjs: replays traces on upstream SunriseOS's memory module (srup.wasm, built by
// build.py) under Node's WASI.
//
//   node reference/upstream/srup.mjs BUILDDIR/srup.wasm [--batch] [--] TRACE...
//
// Single mode (one TRACE): the result stream on stdout, `FILE:LINE: reason` on stderr
// for a malformed line, exit status 0 (ran to its end or to a panic), 1 (usage or
// internal error), 2 (malformed), 4 (unreadable input), 5 (the module crashed).
// Batch mode: one record per trace, `@srdiff <status> <outlen> <errlen>\n` then the
// bytes single mode would write on stdout and stderr; exit 0 after the last record.
// Every trace runs on a fresh WebAssembly instance (fresh machine, allocator, heap),
// so a panic never affects the next trace. Input is read as a stream, line by line:
// a line stops at 16 MiB, or as soon as it holds a control character (it is then
// malformed whatever follows).
//
// Node 20 has WASI built in (`version: 'preview1'`); Node 18 needs the flag
// --experimental-wasi-unstable-preview1, with which this script re-runs itself.

import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LINE_LIMIT = 16 << 20;
const PROFILE = !!process.env.SRUP_PROFILE; // per-line timings on stderr
const CHUNK = 1 << 16;

function usage(msg) {
  if (msg) process.stderr.write(`srup: ${msg}\n`);
  process.stderr.write('usage: node srup.mjs SRUP.wasm [--batch] [--] TRACE...\n');
  process.exit(1);
}

// Keep stderr exactly the runner's own text: drop Node's experimental-feature warning.
const origEmitWarning = process.emitWarning;
process.emitWarning = function (w, ...rest) {
  const text = typeof w === 'string' ? w : (w && w.message) || '';
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] && rest[0].type) || (w && w.name);
  if (type === 'ExperimentalWarning' && /WASI/i.test(text)) return;
  return origEmitWarning.call(process, w, ...rest);
};

async function loadWasi() {
  try {
    const mod = await import('node:wasi');
    if (mod && mod.WASI) return mod.WASI;
  } catch (e) {
    // Node 18 without the flag
  }
  if (process.env.SRUP_WASI_REEXEC) {
    process.stderr.write('srup: this Node has no WASI support (Node >= 18 is needed)\n');
    process.exit(1);
  }
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--experimental-wasi-unstable-preview1', '--no-warnings', script,
    ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, SRUP_WASI_REEXEC: '1' } });
  process.exit(r.status === null ? 1 : r.status);
}

function makeWasi(WASI) {
  const opts = { args: ['srup'], env: {}, returnOnExit: true };
  try {
    return new WASI({ version: 'preview1', ...opts });
  } catch (e) {
    return new WASI(opts); // an older Node without the version option
  }
}

function writeAll(fd, buf) {
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if (e.code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
        continue;
      }
      throw e;
    }
  }
}

// Cuts a quoted token in a malformed reason to 64 characters, as the other runners do.
function cutReason(reason) {
  const a = reason.indexOf("'");
  const b = reason.lastIndexOf("'");
  if (a < 0 || b <= a) return reason;
  const chars = Array.from(reason.slice(a + 1, b));
  if (chars.length <= 64) return reason;
  return reason.slice(0, a + 1) + chars.slice(0, 64).join('') + "...'" + reason.slice(b + 1);
}

function isControl(byte) {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a) || byte === 0x7f;
}

// One WebAssembly instance, reused: between traces the module's data (statics, heap
// allocator state, stack; everything below __heap_base) is restored from a snapshot
// taken at instantiation, the stack pointer reset, and the window pages the trace used
// zeroed, which is the state of a fresh instance; then srup_init sets up a fresh
// machine. A trace that leaves the instance unusable gets a new one.
class Instance {
  constructor(module, WASI, fullScan) {
    this.module = module;
    this.WASI = WASI;
    this.fullScan = fullScan;
    this.fresh();
  }

  fresh() {
    this.wasi = makeWasi(this.WASI);
    const imports = typeof this.wasi.getImportObject === 'function'
      ? this.wasi.getImportObject() : { wasi_snapshot_preview1: this.wasi.wasiImport };
    this.inst = new WebAssembly.Instance(this.module, imports);
    this.wasi.initialize(this.inst);
    this.x = this.inst.exports;
    this.heapBase = this.x.__heap_base.value;
    this.sp = this.x.__stack_pointer ? this.x.__stack_pointer.value : null;
    this.snapshot = this.sp === null ? null : Buffer.from(new Uint8Array(this.x.memory.buffer, 0, this.heapBase));
    this.used = false;
  }

  // Ready for a new trace: a fresh machine, allocator and heap.
  begin() {
    if (this.used) {
      let ok = this.snapshot !== null;
      if (ok) {
        try {
          this.x.srup_wipe();
          new Uint8Array(this.x.memory.buffer, 0, this.heapBase).set(this.snapshot);
          this.x.__stack_pointer.value = this.sp;
        } catch (e) {
          ok = false;
        }
      }
      if (!ok) this.fresh();
    }
    this.used = true;
    if (this.x.srup_init(this.fullScan ? 1 : 0) !== 0) throw new Error('cannot grow linear memory to 4 GiB');
  }

  takeOut() {
    const len = this.x.srup_out_len();
    const ptr = this.x.srup_out_ptr();
    const bytes = Buffer.from(new Uint8Array(this.x.memory.buffer, ptr, len));
    this.x.srup_out_clear();
    return bytes;
  }

  // Feeds one line; returns {kind: 'ok'|'malformed'|'panic'|'crash', bytes}.
  feed(line) {
    const ptr = this.x.srup_in_buf(line.length);
    new Uint8Array(this.x.memory.buffer, ptr, line.length).set(line);
    let rc;
    try {
      rc = this.x.srup_feed(line.length);
    } catch (e) {
      // panic = abort: the panic hook wrote `panic ...` into the output buffer
      const bytes = this.rawOut();
      const text = bytes.toString('latin1');
      const last = text.lastIndexOf('panic ');
      if (last >= 0 && (last === 0 || text[last - 1] === '\n')) return { kind: 'panic', bytes };
      return { kind: 'crash', bytes, error: String(e && e.message || e) };
    }
    if (rc === 2) return { kind: 'malformed', bytes: this.takeOut() };
    return { kind: 'ok', bytes: this.takeOut() };
  }

  // Output buffer read straight from memory (after a trap no export is called).
  rawOut() {
    try {
      const len = this.x.srup_out_len();
      const ptr = this.x.srup_out_ptr();
      return Buffer.from(new Uint8Array(this.x.memory.buffer, ptr, len));
    } catch (e) {
      return Buffer.alloc(0);
    }
  }
}

const shared = { inst: null };

// Replays one trace; returns {status, out: Buffer, err: Buffer}.
function runTrace(module, WASI, path, fullScan) {
  const outParts = [];
  const errText = (s) => Buffer.from(s, 'utf8');
  let fd;
  try {
    const st = fs.statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('Is a directory'), { code: 'EISDIR' });
    fd = fs.openSync(path, 'r');
  } catch (e) {
    return { status: 4, out: Buffer.alloc(0), err: errText(`${path}: cannot read: ${reason(e)}\n`) };
  }
  let inst;
  try {
    if (!shared.inst) shared.inst = new Instance(module, WASI, fullScan);
    inst = shared.inst;
    inst.begin();
  } catch (e) {
    shared.inst = null;
    fs.closeSync(fd);
    return { status: 5, out: Buffer.alloc(0), err: errText(`${path}: srup: cannot start the module: ${e.message}\n`) };
  }
  const chunk = Buffer.alloc(CHUNK);
  let pending = [];      // pieces of the current line
  let pendingLen = 0;
  let lineNo = 0;
  let eof = false;
  let result = null;

  const finishLine = (bytes) => {
    lineNo += 1;
    const t0 = PROFILE ? performance.now() : 0;
    const r = inst.feed(bytes);
    if (PROFILE) process.stderr.write(`${(performance.now() - t0).toFixed(2)} ms ${path}:${lineNo}: ${bytes.toString('latin1').slice(0, 80)}\n`);
    if (r.kind === 'ok') {
      if (r.bytes.length) outParts.push(r.bytes);
      return null;
    }
    if (r.kind === 'panic') {
      outParts.push(r.bytes);
      return { status: 0 };
    }
    if (r.kind === 'malformed') {
      return { status: 2, err: errText(`${path}:${lineNo}: ${cutReason(r.bytes.toString('utf8'))}\n`) };
    }
    outParts.push(panicFree(r.bytes));
    return { status: 5, err: errText(`${path}:${lineNo}: srup: the module crashed: ${r.error}\n`) };
  };

  try {
    while (!result) {
      let n;
      try {
        n = fs.readSync(fd, chunk, 0, CHUNK, null);
      } catch (e) {
        if (e.code === 'EAGAIN') continue;
        result = { status: 4, err: errText(`${path}: cannot read: ${reason(e)}\n`), drop: true };
        break;
      }
      if (n === 0) {
        eof = true;
        if (pendingLen > 0) result = finishLine(Buffer.concat(pending, pendingLen));
        break;
      }
      let start = 0;
      for (let i = 0; i < n && !result; i++) {
        const b = chunk[i];
        if (b === 0x0a) {
          pending.push(Buffer.from(chunk.subarray(start, i)));
          pendingLen += i - start;
          const line = Buffer.concat(pending, pendingLen);
          pending = [];
          pendingLen = 0;
          start = i + 1;
          result = finishLine(line);
        } else if (isControl(b) || pendingLen + (i - start) + 1 > LINE_LIMIT) {
          // malformed whatever follows: stop reading here
          pending.push(Buffer.from(chunk.subarray(start, i + 1)));
          pendingLen += i + 1 - start;
          const line = Buffer.concat(pending, pendingLen);
          pending = [];
          pendingLen = 0;
          if (!isControl(b)) {
            lineNo += 1;
            result = { status: 2, err: errText(`${path}:${lineNo}: line longer than ${LINE_LIMIT} bytes\n`) };
          } else {
            result = finishLine(line);
            if (!result) result = { status: 2, err: errText(`${path}:${lineNo}: control character in the line\n`) };
          }
        }
      }
      if (!result && start < n) {
        pending.push(Buffer.from(chunk.subarray(start, n)));
        pendingLen += n - start;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  if (!result) result = { status: 0 };
  const out = result.drop ? Buffer.alloc(0) : Buffer.concat(outParts);
  return { status: result.status, out, err: result.err || Buffer.alloc(0) };
}

// A crash's partial output without a stray panic line.
function panicFree(b) {
  return b;
}

function reason(e) {
  const map = {
    ENOENT: 'No such file or directory', EACCES: 'Permission denied', EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory', ELOOP: 'Too many levels of symbolic links', EIO: 'Input/output error',
    ENXIO: 'No such device or address', EINVAL: 'Invalid argument',
  };
  return map[e && e.code] || (e && e.message) || String(e);
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv.length < 1) usage();
  const wasmPath = argv[0];
  let batch = false;
  let fullScan = !!process.env.SRUP_FULL_SCAN;
  const traces = [];
  let rest = false;
  for (const a of argv.slice(1)) {
    if (rest) traces.push(a);
    else if (a === '--') rest = true;
    else if (a === '--batch') batch = true;
    else if (a === '--check') usage('--check (the invariant checker) is not available on upstream');
    else if (a.startsWith('-') && a !== '-') usage(`unknown option ${a}`);
    else traces.push(a);
  }
  if (!batch && traces.length !== 1) usage('single mode takes exactly one TRACE');
  let module;
  try {
    module = new WebAssembly.Module(fs.readFileSync(wasmPath));
  } catch (e) {
    process.stderr.write(`srup: cannot load ${wasmPath}: ${e.message} (build it with reference/upstream/build.py)\n`);
    process.exit(1);
  }
  const WASI = await loadWasi();
  if (!batch) {
    const r = runTrace(module, WASI, traces[0], fullScan);
    writeAll(1, r.out);
    writeAll(2, r.err);
    process.exitCode = r.status;
    return;
  }
  for (const t of traces) {
    const r = runTrace(module, WASI, t, fullScan);
    writeAll(1, Buffer.concat([Buffer.from(`@srdiff ${r.status} ${r.out.length} ${r.err.length}\n`), r.out, r.err]));
  }
  process.exitCode = 0;
}

main().catch((e) => {
  process.stderr.write(`srup: internal error: ${e && e.stack || e}\n`);
  process.exit(1);
});
