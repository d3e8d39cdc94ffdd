// Pictures drawn by the platform itself (nothing is downloaded): a plain SVG per kind of asset. Used
// for the demo lots' photos and as the placeholder cover of a lot without images. Attributes only,
// no scripts, no external references, so they are safe under the strict image CSP.

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A stable small number from a string, to vary colours and shapes per lot. */
function seed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function frame(body: string, bg: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 500" width="800" height="500"><rect width="800" height="500" fill="${bg}"/>${body}</svg>`;
}

/** A Vietnamese licence plate: "30K-888.88" on a white (or yellow, for business) plate. */
export function drawPlate(plate: string, options: { business?: boolean } = {}): string {
  const [prefix, number] = plate.includes('-') ? plate.split('-', 2) : [plate, ''];
  const plateBg = options.business ? '#f6c945' : '#fbfbf8';
  return frame(
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3a4a63"/><stop offset="1" stop-color="#1c2533"/></linearGradient></defs>
<rect width="800" height="500" fill="url(#g)"/>
<rect x="90" y="120" width="620" height="260" rx="22" fill="#0d0d0d"/>
<rect x="102" y="132" width="596" height="236" rx="16" fill="${plateBg}"/>
<rect x="116" y="146" width="568" height="208" rx="10" fill="none" stroke="#0d0d0d" stroke-width="6"/>
<text x="400" y="235" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="88" text-anchor="middle" fill="#0d0d0d">${esc(prefix)}</text>
<text x="400" y="335" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="96" text-anchor="middle" fill="#0d0d0d" letter-spacing="4">${esc(number)}</text>
<circle cx="150" cy="180" r="8" fill="#9aa3ad"/><circle cx="650" cy="180" r="8" fill="#9aa3ad"/>
<text x="400" y="440" font-family="Arial, Helvetica, sans-serif" font-size="26" text-anchor="middle" fill="#d6dbe3">BIỂN SỐ ĐẤU GIÁ</text>`,
    '#1c2533',
  );
}

/** A land parcel on a cadastral map: neighbouring plots, a road, the parcel outlined in red. */
export function drawLand(label: string, area: string): string {
  const s = seed(label);
  const greens = ['#cfe3c1', '#d9e8c8', '#c4dcb3', '#e1ecd2'];
  const plots: string[] = [];
  for (let i = 0; i < 12; i++) {
    const x = (i % 4) * 200,
      y = Math.floor(i / 4) * 170;
    plots.push(
      `<rect x="${x + 6}" y="${y + 6}" width="188" height="158" fill="${greens[(s >> i) & 3]}" stroke="#8fa883" stroke-width="2"/>`,
    );
  }
  const px = 200 + ((s >> 3) % 3) * 0,
    py = 170;
  return frame(
    `${plots.join('')}
<rect x="0" y="330" width="800" height="28" fill="#e8e1cf"/><line x1="0" y1="344" x2="800" y2="344" stroke="#b9ad8c" stroke-width="3" stroke-dasharray="18 12"/>
<polygon points="${px + 10},${py + 10} ${px + 380},${py + 4} ${px + 392},${py + 156} ${px + 4},${py + 150}" fill="#f7d9c9" fill-opacity="0.85" stroke="#a61b1b" stroke-width="6"/>
<text x="${px + 198}" y="${py + 78}" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="30" text-anchor="middle" fill="#7f1414">${esc(label)}</text>
<text x="${px + 198}" y="${py + 116}" font-family="Arial, Helvetica, sans-serif" font-size="24" text-anchor="middle" fill="#7f1414">${esc(area)}</text>
<g transform="translate(730,60)"><circle r="34" fill="#fff" stroke="#555" stroke-width="2"/><polygon points="0,-28 8,0 -8,0" fill="#a61b1b"/><polygon points="0,28 8,0 -8,0" fill="#555"/><text y="-36" font-family="Arial" font-size="18" text-anchor="middle" fill="#333">B</text></g>`,
    '#eef3e6',
  );
}

/** A car or truck in profile. */
export function drawVehicle(label: string, options: { truck?: boolean } = {}): string {
  const colours = ['#8b1a1a', '#1f4e8c', '#2f5d3a', '#5b5f66', '#c27c0e', '#e8e8e8'];
  const body = colours[seed(label) % colours.length];
  const shape = options.truck
    ? `<rect x="130" y="150" width="360" height="170" rx="8" fill="#d9dde3" stroke="#333" stroke-width="4"/><path d="M490 200 h110 l60 60 v60 h-170z" fill="${body}" stroke="#333" stroke-width="4"/><rect x="510" y="215" width="80" height="50" rx="4" fill="#bfe0f5" stroke="#333" stroke-width="3"/>`
    : `<path d="M120 300 q0 -50 60 -60 l70 -60 q20 -16 50 -16 h180 q30 0 50 16 l80 62 q70 8 80 58 v30 h-570z" fill="${body}" stroke="#222" stroke-width="4"/><path d="M270 184 h110 v62 h-170z" fill="#bfe0f5" stroke="#222" stroke-width="3"/><path d="M400 184 h90 l70 62 h-160z" fill="#bfe0f5" stroke="#222" stroke-width="3"/>`;
  return frame(
    `<rect x="0" y="360" width="800" height="140" fill="#c9ccd1"/><line x1="0" y1="430" x2="800" y2="430" stroke="#fff" stroke-width="6" stroke-dasharray="40 30"/>
${shape}
<circle cx="240" cy="335" r="44" fill="#222"/><circle cx="240" cy="335" r="20" fill="#aaa"/><circle cx="560" cy="335" r="44" fill="#222"/><circle cx="560" cy="335" r="20" fill="#aaa"/>
<text x="400" y="80" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="34" text-anchor="middle" fill="#1c2533">${esc(label)}</text>`,
    '#e9eef4',
  );
}

/** Machinery: an excavator. */
export function drawEquipment(label: string): string {
  return frame(
    `<rect x="0" y="380" width="800" height="120" fill="#b99a6b"/>
<rect x="180" y="300" width="300" height="60" rx="30" fill="#333"/><circle cx="215" cy="330" r="22" fill="#666"/><circle cx="445" cy="330" r="22" fill="#666"/>
<rect x="210" y="200" width="230" height="100" rx="8" fill="#f2b705" stroke="#333" stroke-width="4"/><rect x="230" y="150" width="100" height="60" rx="6" fill="#bfe0f5" stroke="#333" stroke-width="4"/>
<path d="M430 220 L560 120 L640 250" fill="none" stroke="#f2b705" stroke-width="26" stroke-linecap="round" stroke-linejoin="round"/>
<path d="M620 240 l60 10 l-20 70 l-60 -20z" fill="#555" stroke="#333" stroke-width="4"/>
<text x="400" y="80" font-family="Arial, Helvetica, sans-serif" font-weight="700" font-size="34" text-anchor="middle" fill="#1c2533">${esc(label)}</text>`,
    '#eaf0f5',
  );
}

/** The cover of a lot without photos: a neutral pictogram by category. */
export function drawPlaceholder(category: string): string {
  const icon =
    category === 'licence-plate'
      ? '<rect x="300" y="190" width="200" height="90" rx="10" fill="none" stroke="#8a94a3" stroke-width="10"/>'
      : category === 'land-use'
        ? '<polygon points="290,290 400,180 510,290" fill="none" stroke="#8a94a3" stroke-width="10"/>'
        : '<rect x="320" y="180" width="160" height="120" rx="12" fill="none" stroke="#8a94a3" stroke-width="10"/><circle cx="400" cy="240" r="28" fill="none" stroke="#8a94a3" stroke-width="10"/>';
  return frame(icon, '#e9ecf0');
}
