// A real SMTP server in the test process (smtp-server) on a random loopback port, collecting what it is
// sent. It can refuse the next messages (451, try again later; or 550, for good) or hang: take the
// connection and never greet, as a wedged mail relay would. Every login is refused, so a URL with
// credentials stands for a platform configured with the wrong password.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Delivered {
  from: string;
  to: string[];
  /** The raw message as received (headers and MIME body). */
  raw: string;
  subject: string;
  /** The text/plain part, decoded. */
  text: string;
}

export interface TestSmtp {
  url: string;
  port: number;
  messages: Delivered[];
  /** Refuses the next `n` messages with `code` (451: temporary; 550: permanent). */
  refuseNext(n: number, code?: number): void;
  /** From now on: connections are taken and never answered (until `hang(false)`). */
  hang(on: boolean): void;
  /** Attempts that reached the DATA stage or were refused there. */
  attempts: number;
  close(): Promise<void>;
}

/** The decoded text of one MIME part's body by its transfer encoding. */
function decode(body: string, encoding: string): string {
  if (/base64/i.test(encoding)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/quoted-printable/i.test(encoding)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    // Percent-encode the literal bytes so one decodeURIComponent turns the whole into UTF-8.
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

/** The subject (RFC 2047 encoded words decoded) and the text/plain part of a raw message. */
export function readMessage(raw: string): { subject: string; text: string } {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/im.exec(headers)?.[1] ?? '';
  const subject = subjectLine
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_, kind: string, s: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(s, 'base64').toString('utf8')
        : decode(s.replace(/_/g, ' '), 'quoted-printable'),
    );
  const boundary = /boundary="?([^";\s]+)"?/i.exec(headers)?.[1];
  const parts = boundary ? raw.split(`--${boundary}`) : [raw];
  for (const part of parts) {
    const end = part.indexOf('\r\n\r\n');
    if (end < 0) continue;
    const head = part.slice(0, end).replace(/\r\n[ \t]+/g, ' ');
    if (!/content-type:\s*text\/plain/i.test(head) && boundary) continue;
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(head)?.[1] ?? '7bit';
    return { subject, text: decode(part.slice(end + 4).trim(), encoding) };
  }
  return { subject, text: '' };
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: Delivered[] = [];
  let refusals: { left: number; code: number } = { left: 0, code: 451 };
  let hanging = false;
  let attempts = 0;
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 100,
    logger: false,
    // Every login is refused (535): a client that sends credentials has the wrong ones.
    onAuth(_auth, _session, callback) {
      callback(new Error('Invalid username or password'));
    },
    onConnect(_session, callback) {
      if (hanging) return; // never greets: the client's greeting timeout has to end it
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        attempts++;
        if (refusals.left > 0) {
          refusals = { ...refusals, left: refusals.left - 1 };
          const mailbox = session.envelope.rcptTo.map((r) => r.address).join(', ');
          const text = refusals.code >= 500 ? `Mailbox ${mailbox} unavailable` : 'Try again later';
          const err = Object.assign(new Error(text), {
            responseCode: refusals.code,
          });
          return callback(err);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...readMessage(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    refuseNext(n, code = 451) {
      refusals = { left: n, code };
    },
    hang(on) {
      hanging = on;
    },
    get attempts() {
      return attempts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
