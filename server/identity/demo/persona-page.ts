// The demo provider's sign-in page: choose a demo persona (Vietnamese, with English hints). Plain
// server-rendered HTML with no scripts, so it works under a strict content security policy.
import type { IncomingMessage } from 'node:http';
import { ORGANISATION_ROLE_LABELS, type DemoPersona } from './personas.ts';

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function personaPage(options: { uid: string; personas: readonly DemoPersona[]; prefix: string }): string {
  const action = `${options.prefix}/interaction/${encodeURIComponent(options.uid)}`;
  const rows = options.personas
    .map(
      (p) => `<li><form method="post" action="${action}/login"><input type="hidden" name="pid" value="${esc(p.pid)}">
  <button type="submit" data-pid="${esc(p.pid)}"><strong>${esc(p.name)}</strong><span>${esc(p.role_vi)} · <em>${esc(p.role_en)}</em></span>${organisationLine(p)}<span>Số định danh ${esc(p.pid)} · mức ${p.level}</span></button></form></li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Định danh điện tử (thử nghiệm) · Demo e-ID</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem;margin-bottom:.2rem}.hint{color:#555;margin-top:0}
.warn{background:#fff4d6;border:1px solid #e0b84c;padding:.6rem .8rem;border-radius:6px}
ul{list-style:none;padding:0}li{margin:.5rem 0}
button{width:100%;text-align:left;padding:.7rem .9rem;border:1px solid #bbb;border-radius:8px;background:#fff;cursor:pointer;display:flex;flex-direction:column;gap:.15rem;font:inherit}
button:hover,button:focus{border-color:#b3261e;outline:2px solid #f3c1bd}
span{color:#444;font-size:.9rem}.org{color:#1f4e79}.cancel{margin-top:1.5rem}.cancel button{width:auto;display:inline-block}
</style></head>
<body>
<h1>Đăng nhập bằng định danh điện tử (thử nghiệm)</h1>
<p class="hint" lang="en">Demo e-ID sign-in: choose a person to sign in as.</p>
<p class="warn">Đây là nhà cung cấp định danh mẫu, chỉ dùng để thử nghiệm. Chọn một người dùng mẫu để đăng nhập.<br><span lang="en">This is the built-in demo identity provider, for trying the platform only. Level 1 may browse; level 2 may register and bid; some people act for an organisation.</span></p>
<ul>
${rows}
</ul>
<form class="cancel" method="post" action="${action}/abort"><button type="submit">Huỷ (cancel)</button></form>
</body></html>`;
}

/** The organisation a persona acts for and their role in it (issue 19), in Vietnamese and English. */
function organisationLine(p: DemoPersona): string {
  if (!p.organisation) return '';
  const { identifier, name, role } = p.organisation;
  const label = ORGANISATION_ROLE_LABELS[role];
  return `<span class="org" data-organisation="${esc(identifier)}">${esc(label.vi)} của ${esc(name)} (mã số ${esc(identifier)}) · <em lang="en">${esc(label.en)} of this organisation</em></span>`;
}

/** Reads a small urlencoded form body (the persona choice); refuses anything large. */
export async function readForm(req: IncomingMessage, maxBytes = 4096): Promise<URLSearchParams> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new Error('form body too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
