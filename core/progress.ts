// A small progress bar for long jobs (seeding, ingest, training, evals). It writes to stderr so
// stdout stays clean for JSON output, and falls back to a line every ~10% when stderr is not a TTY
// (CI logs) so the log does not fill with carriage-return frames.

export interface Progress {
  tick(n?: number): void;
  done(message?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Silence output entirely (tests). */
  silent?: boolean;
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const silent = opts.silent ?? process.env.SHOPBOT_QUIET === '1';
  const tty = Boolean(stream.isTTY);
  const start = Date.now();
  let current = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const draw = (final: boolean): void => {
    if (silent) return;
    const pct = total > 0 ? Math.min(1, current / total) : 1;
    const secs = (Date.now() - start) / 1000;
    if (tty) {
      const width = 24;
      const filled = Math.round(pct * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      stream.write(`\r${label} [${bar}] ${current}/${total} ${(pct * 100).toFixed(0)}% ${secs.toFixed(1)}s${final ? '\n' : ''}`);
    } else {
      const decile = Math.floor(pct * 10);
      if (decile !== lastDecile || final) {
        lastDecile = decile;
        stream.write(`${label}: ${current}/${total} (${(pct * 100).toFixed(0)}%) ${secs.toFixed(1)}s\n`);
      }
    }
  };

  return {
    tick(n = 1) {
      current += n;
      const now = Date.now();
      if (now - lastDraw > 100 || current >= total) {
        lastDraw = now;
        draw(false);
      }
    },
    done(message?: string) {
      current = Math.max(current, total);
      draw(true);
      if (message && !silent) stream.write(`${label}: ${message}\n`);
    },
  };
}
