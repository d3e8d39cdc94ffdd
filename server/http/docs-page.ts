// The API reference page (/api/docs): plain HTML rendered on the server from the OpenAPI document,
// with no script, no web fonts and nothing loaded from another host, so it works offline and behind a
// strict CSP. Headings, a contents list and lists (no wide tables) keep it readable with a screen
// reader and on a 360-px phone; its colours meet WCAG AA in light and dark mode.
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';

/** The parts of an OpenAPI 3.1 document this page reads (everything else is in /api/openapi.json). */
export interface ApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string; description?: string }[];
  tags?: { name: string; description?: string }[];
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, SecurityScheme> };
}

interface SecurityScheme {
  type: string;
  scheme?: string;
  bearerFormat?: string;
  name?: string;
  in?: string;
  description?: string;
}

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

interface MediaTypes {
  description?: string;
  required?: boolean;
  content?: Record<string, { schema?: Schema }>;
}

interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: MediaTypes;
  responses?: Record<string, MediaTypes>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;
/** Schema keywords shown as constraints, in this order, with their wording. */
const CONSTRAINTS: [string, string][] = [
  ['format', 'format'],
  ['minimum', 'minimum'],
  ['exclusiveMinimum', 'greater than'],
  ['maximum', 'maximum'],
  ['exclusiveMaximum', 'less than'],
  ['minLength', 'min length'],
  ['maxLength', 'max length'],
  ['pattern', 'pattern'],
  ['minItems', 'min items'],
  ['maxItems', 'max items'],
  ['const', 'always'],
  ['default', 'default'],
  ['example', 'example'],
];
/** How deep inline (unnamed) object schemas are unfolded; named ones are links to their model. */
const MAX_DEPTH = 6;

const escapeHtml = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** Descriptions: paragraphs on blank lines, `code` spans; everything else is text. */
function prose(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n\s*\n/)
    .map((p) => `<p>${escapeHtml(p.trim()).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');
}

/** A path with break opportunities after its slashes, so a long one wraps there on a narrow screen. */
const pathHtml = (path: string): string => escapeHtml(path).replaceAll('/', '/<wbr>');
const slug = (s: string): string =>
  s
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase() || 'x';
const modelName = (ref: string): string => ref.replace(/^#\/components\/schemas\//, '');
const modelId = (name: string): string => `model-${slug(name)}`;

function typeLabel(schema: Schema | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) {
    const name = modelName(schema.$ref);
    return `<a href="#${modelId(name)}">${escapeHtml(name)}</a>`;
  }
  if (schema.enum)
    return `one of ${schema.enum.map((v) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(', ')}`;
  for (const [key, word] of [
    ['anyOf', ' or '],
    ['oneOf', ' or '],
    ['allOf', ' and '],
  ] as const) {
    const parts = schema[key];
    if (parts?.length) return parts.map(typeLabel).join(word);
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length === 0) return schema.properties ? 'object' : 'any';
  return types
    .map((t) =>
      t === 'array'
        ? `array of ${typeLabel(schema.items)}`
        : t === 'object' && isMap(schema)
          ? `map of ${typeLabel(schema.additionalProperties as Schema)}`
          : t,
    )
    .join(' or ');
}

const isMap = (schema: Schema): boolean => !schema.properties && typeof schema.additionalProperties === 'object';

function constraints(schema: Schema): string {
  const parts = CONSTRAINTS.filter(([key]) => schema[key] !== undefined).map(
    ([key, word]) =>
      `${word} <code>${escapeHtml(typeof schema[key] === 'string' && key !== 'default' && key !== 'example' && key !== 'const' ? (schema[key] as string) : JSON.stringify(schema[key]))}</code>`,
  );
  return parts.length ? `<span class="constraints">${parts.join(', ')}</span>` : '';
}

/** The inline object whose fields are unfolded under a field: its own, or its array items'. */
function unfolded(schema: Schema | undefined): Schema | undefined {
  if (!schema || schema.$ref) return undefined;
  if (schema.properties) return schema;
  if (schema.items && !schema.items.$ref && schema.items.properties) return schema.items;
  return undefined;
}

function fields(schema: Schema, depth: number): string {
  const required = new Set(schema.required ?? []);
  const items = Object.entries(schema.properties ?? {}).map(([name, field]) =>
    fieldItem(name, field, required.has(name), depth),
  );
  if (schema.additionalProperties === false) items.push('<li class="note">No other fields are accepted.</li>');
  return items.length ? `<ul class="fields">${items.join('')}</ul>` : '';
}

function fieldItem(name: string, schema: Schema, required: boolean, depth: number, where?: string): string {
  const inner = unfolded(schema);
  return (
    `<li><span class="field"><code class="name">${escapeHtml(name)}</code>` +
    ` <span class="type">${typeLabel(schema)}</span>` +
    (required ? ' <span class="required">required</span>' : '') +
    (where ? ` <span class="where">(in ${escapeHtml(where)})</span>` : '') +
    `</span> ${constraints(schema)}${prose(schema.description)}` +
    (inner && depth < MAX_DEPTH ? fields(inner, depth + 1) : '') +
    '</li>'
  );
}

/**
 * A schema after its lead-in (a content type, or nothing for a model): its type, then its fields. A
 * named model given as `expanded` (a request body, a success response) has its fields shown here too,
 * under the link to it.
 */
function schemaBlock(lead: string, schema: Schema | undefined, expanded?: Schema): string {
  const inner = unfolded(expanded ?? schema);
  const type = schema && inner !== schema ? `${typeLabel(schema)} ${constraints(schema)}` : '';
  const line = lead && type ? `${lead}: ${type}` : lead || type;
  return (
    (line ? `<p class="type-line">${line}</p>` : '') +
    (schema?.$ref ? '' : prose(schema?.description)) +
    (inner ? fields(inner, 1) : '')
  );
}

/** Resolves a reference to a named model, for showing its fields in place. */
type ModelLookup = (schema: Schema | undefined) => Schema | undefined;

function mediaTypes(body: MediaTypes, lookup?: ModelLookup): string {
  return Object.entries(body.content ?? {})
    .map(([type, media]) =>
      schemaBlock(`Content type <code>${escapeHtml(type)}</code>`, media.schema, lookup?.(media.schema)),
    )
    .join('');
}

function operationHtml(method: string, path: string, op: Operation, id: string, lookup: ModelLookup): string {
  const titleId = `${id}-title`;
  const parts: string[] = [`<article class="card" id="${id}" aria-labelledby="${titleId}">`];
  parts.push(
    `<h3 id="${titleId}"><span class="method method-${method}">${method.toUpperCase()}</span> <code class="path">${pathHtml(path)}</code></h3>`,
  );
  if (op.summary) parts.push(`<p class="summary">${escapeHtml(op.summary)}</p>`);
  if (op.deprecated) parts.push('<p class="note">Deprecated.</p>');
  parts.push(prose(op.description));
  const security = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (security.length)
    parts.push(
      `<p class="auth">Authentication: ${security.map((name) => `<a href="#auth-${slug(name)}">${escapeHtml(name)}</a>`).join(' or ')}</p>`,
    );
  if (op.parameters?.length) {
    parts.push(
      `<h4>Parameters</h4><ul class="fields">${op.parameters.map((p) => fieldItem(p.name, { ...p.schema, description: p.description ?? p.schema?.description }, p.required ?? false, 1, p.in)).join('')}</ul>`,
    );
  }
  if (op.requestBody) {
    parts.push(
      `<h4>Request body${op.requestBody.required ? ' <span class="required">required</span>' : ''}</h4>${prose(op.requestBody.description)}${mediaTypes(op.requestBody, lookup)}`,
    );
  }
  const responses = Object.entries(op.responses ?? {});
  if (responses.length) {
    parts.push('<h4>Responses</h4><ul class="responses">');
    for (const [status, response] of responses) {
      const reason = STATUS_CODES[Number(status)];
      parts.push(
        `<li><p><strong class="status">${escapeHtml(status === 'default' ? 'Any other status' : `${status}${reason ? ` ${reason}` : ''}`)}</strong> ${escapeHtml(response.description ?? '')}</p>${mediaTypes(response, status.startsWith('2') ? lookup : undefined)}</li>`,
      );
    }
    parts.push('</ul>');
  }
  parts.push('</article>');
  return parts.join('');
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1a1a1a; --muted: #4a4a4a; --line: #d0d0d0; --panel: #f4f4f2; --link: #0b57a4; --code-bg: #ececea;
  --get: #0b5d36; --get-bg: #dcf1e4; --post: #0b4a8f; --post-bg: #dde9f8; --put: #7a4100; --put-bg: #fbe9d2; --patch: #5c2f91; --patch-bg: #ece3f7; --delete: #9b1c1c; --delete-bg: #f9dede; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16181b; --fg: #ecebe6; --muted: #c2c0b8; --line: #41454b; --panel: #1f2226; --link: #8cc4ff; --code-bg: #2a2e33;
    --get: #9be3b8; --get-bg: #12301f; --post: #a9cbff; --post-bg: #142640; --put: #ffcb8a; --put-bg: #3a2710; --patch: #d7bcff; --patch-bg: #2c1d44; --delete: #ffb3b3; --delete-bg: #431818; }
}
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; line-height: 1.5; background: var(--bg); color: var(--fg); }
body { margin: 0; overflow-wrap: break-word; }
code, .path { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.92em; }
code { background: var(--code-bg); padding: 0 0.25em; border-radius: 3px; }
a { color: var(--link); }
a:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { position: static; display: block; padding: 0.5rem 1rem; background: var(--panel); }
header { padding: 1.25rem 1rem; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 0.25rem; font-size: 1.6rem; }
header p { margin: 0; color: var(--muted); }
.layout { display: grid; grid-template-columns: 1fr; }
nav { padding: 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
nav h2 { font-size: 1rem; margin: 0 0 0.5rem; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav ul ul { padding-left: 0.75rem; margin-bottom: 0.5rem; font-size: 0.92rem; }
nav li { margin: 0.15rem 0; }
main { padding: 1rem; min-width: 0; max-width: 62rem; }
main h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem; margin: 1rem 0; }
.card h3 { margin: 0; font-size: 1.05rem; }
h4 { margin: 1rem 0 0.25rem; font-size: 0.95rem; }
.summary { font-weight: 600; margin: 0.4rem 0; }
.auth, .type-line, .note { color: var(--muted); margin: 0.3rem 0; }
.method { display: inline-block; min-width: 4.2em; text-align: center; font-size: 0.8rem; font-weight: 700; padding: 0.1rem 0.4rem; border-radius: 4px; }
.method-get { color: var(--get); background: var(--get-bg); }
.method-post { color: var(--post); background: var(--post-bg); }
.method-put { color: var(--put); background: var(--put-bg); }
.method-patch { color: var(--patch); background: var(--patch-bg); }
.method-delete { color: var(--delete); background: var(--delete-bg); }
.fields, .responses { list-style: none; margin: 0.25rem 0; padding: 0; }
.fields .fields { padding-left: 1rem; border-left: 2px solid var(--line); }
.fields > li, .responses > li { padding: 0.35rem 0; border-top: 1px solid var(--line); }
.fields > li p, .responses > li p { margin: 0.2rem 0; }
.type, .where, .constraints { color: var(--muted); }
.required { color: var(--delete); font-size: 0.85rem; font-weight: 600; }
@media (min-width: 960px) {
  .layout { grid-template-columns: 21rem 1fr; }
  nav { border-bottom: 0; border-right: 1px solid var(--line); position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto; }
}
`;

/** The style element's hash, for a CSP that allows this style and nothing else. */
export const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/** The whole reference page for an OpenAPI document. */
export function renderApiReference(doc: ApiDocument, links: { openapi: string }): string {
  const schemes = doc.components?.securitySchemes ?? {};
  const usedIds = new Set<string>();
  const operationId = (method: string, path: string, op: Operation): string => {
    const base = `op-${slug(op.operationId ?? `${method} ${path}`)}`;
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    return id;
  };

  // Operations grouped by their first tag, in the order the document declares tags, then first seen.
  const groups = new Map<string, { method: string; path: string; op: Operation; id: string }[]>();
  for (const tag of doc.tags ?? []) groups.set(tag.name, []);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'other';
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method, path, op, id: operationId(method, path, op) });
    }
  }
  const tagDescription = new Map((doc.tags ?? []).map((t) => [t.name, t.description]));
  const models = Object.entries(doc.components?.schemas ?? {});
  const lookup: ModelLookup = (schema) =>
    schema?.$ref ? doc.components?.schemas?.[modelName(schema.$ref)] : undefined;
  const title = escapeHtml(doc.info.title);

  const nav = [
    '<nav aria-label="Contents"><h2>Contents</h2><ul>',
    '<li><a href="#introduction">Introduction</a></li>',
    Object.keys(schemes).length ? '<li><a href="#authentication">Authentication</a></li>' : '',
    ...[...groups]
      .filter(([, ops]) => ops.length)
      .map(
        ([tag, ops]) =>
          `<li><a href="#tag-${slug(tag)}">${escapeHtml(tag)}</a><ul>${ops.map((o) => `<li><a href="#${o.id}">${o.method.toUpperCase()} ${pathHtml(o.path)}</a></li>`).join('')}</ul></li>`,
      ),
    models.length ? '<li><a href="#models">Models</a></li>' : '',
    '</ul></nav>',
  ].join('');

  const main: string[] = ['<main id="main">'];
  main.push(
    `<section id="introduction" aria-labelledby="introduction-title"><h2 id="introduction-title">Introduction</h2>${prose(doc.info.description)}`,
  );
  for (const server of doc.servers ?? [])
    main.push(
      `<p>Base URL: <code>${escapeHtml(server.url)}</code>${server.description ? ` (${escapeHtml(server.description)})` : ''}</p>`,
    );
  main.push('</section>');
  if (Object.keys(schemes).length) {
    main.push(
      '<section id="authentication" aria-labelledby="authentication-title"><h2 id="authentication-title">Authentication</h2>',
    );
    for (const [name, s] of Object.entries(schemes)) {
      const kind =
        s.type === 'http'
          ? `HTTP ${s.scheme ?? ''}${s.bearerFormat ? ` (${s.bearerFormat})` : ''}`
          : s.type === 'apiKey'
            ? `API key in the ${s.in} ${s.name}`
            : s.type;
      main.push(
        `<h3 id="auth-${slug(name)}">${escapeHtml(name)}</h3><p>${escapeHtml(kind)}</p>${prose(s.description)}`,
      );
    }
    main.push('</section>');
  }
  for (const [tag, ops] of groups) {
    if (!ops.length) continue;
    main.push(
      `<section id="tag-${slug(tag)}" aria-labelledby="tag-${slug(tag)}-title"><h2 id="tag-${slug(tag)}-title">${escapeHtml(tag)}</h2>${prose(tagDescription.get(tag))}`,
    );
    for (const o of ops) main.push(operationHtml(o.method, o.path, o.op, o.id, lookup));
    main.push('</section>');
  }
  if (models.length) {
    main.push('<section id="models" aria-labelledby="models-title"><h2 id="models-title">Models</h2>');
    for (const [name, schema] of models)
      main.push(
        `<section class="card" id="${modelId(name)}" aria-labelledby="${modelId(name)}-title"><h3 id="${modelId(name)}-title">${escapeHtml(name)}</h3>${schemaBlock('', schema)}</section>`,
      );
    main.push('</section>');
  }
  main.push('</main>');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}: API reference</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the reference</a>
<header><h1>${title}</h1><p>API reference, version ${escapeHtml(doc.info.version)}. <a href="${escapeHtml(links.openapi)}">The OpenAPI document (JSON)</a></p></header>
<div class="layout">${nav}${main.join('')}</div>
</body>
</html>`;
}
