// Secrets from the configuration, one mechanism for every key the platform holds outside the
// database (the person-hash key, the sealed-bid key): the secret itself in a variable, a file holding
// it (surrounding whitespace ignored), or, outside production only, a secret generated once into
// DATA_DIR (32 random bytes as base64url, mode 0600) and read back by every later start and every
// process sharing that directory. Configuration (server/config.ts) guarantees production sets one.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretSource {
  /** The secret itself (the variable's value), if set. */
  value?: string;
  /** The file holding it, if set. */
  file?: string;
  /** The variable names, for messages: `X` and `X_FILE`. */
  variable: string;
  /** Where a demo secret is generated: DATA_DIR and the file's name in it. */
  dataDir: string;
  generatedName: string;
}

export interface LoadedSecret {
  /** The secret's text, trimmed. */
  text: string;
  /** Where it came from (for the start-up log): the variable, the file variable, or the generated file. */
  source: string;
  /** The file it came from or was generated into, when it is a file. */
  path?: string;
  generated: boolean;
}

/**
 * Reads a secret from its source. Throws `fail(message)` when the file variable names a file that
 * cannot be read (each key has its own error class).
 */
export function loadSecret(source: SecretSource, fail: (message: string) => Error): LoadedSecret {
  if (source.value) return { text: source.value, source: source.variable, generated: false };
  const variable = `${source.variable}_FILE`;
  if (source.file) {
    let text: string;
    try {
      text = fs.readFileSync(source.file, 'utf8');
    } catch (err) {
      throw fail(
        `invalid ${variable}: cannot read ${source.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    return { text: text.trim(), source: variable, path: source.file, generated: false };
  }
  const file = path.join(source.dataDir, source.generatedName);
  return { text: readOrCreate(file), source: `generated into ${file}`, path: file, generated: true };
}

/** Reads the generated secret, creating it first if absent; concurrent starts agree on one file. */
function readOrCreate(file: string): string {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Written whole under a temporary name, then linked into place: link() fails if another process
    // got there first, and nobody ever reads a half-written secret.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    fs.writeFileSync(tmp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    try {
      fs.linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}
