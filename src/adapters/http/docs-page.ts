/**
 * `GET /docs`: the OpenAPI document as one HTML page, rendered here on the server. No script, no
 * font, no image and no link to anywhere else: it works offline, and its CSP allows exactly its
 * one inline style sheet (by hash) and nothing more.
 */

type Json = Record<string, unknown>
const obj = (x: unknown): Json => (typeof x === 'object' && x !== null ? (x as Json) : {})
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : [])

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
/** Descriptions use `code` spans and nothing else of Markdown. */
const prose = (s: unknown): string => (s === undefined ? '' : esc(s).replace(/`([^`]+)`/g, '<code>$1</code>'))
const anchor = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '-')

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1,h2,h3{line-height:1.2}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}h3{margin-top:2rem}
code,pre{font:13px/1.4 ui-monospace,monospace;background:#f3f3f3;border-radius:3px}code{padding:0 .2em}
pre{padding:.6rem;overflow:auto}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;
padding:.25rem .5rem;text-align:left;vertical-align:top}.m{font-weight:700;text-transform:uppercase}
nav li{margin:.1rem 0}`

/** A schema as a short type: a reference links to its component, an object lists its fields. */
function schemaHtml(schema: unknown): string {
  const s = obj(schema)
  if (typeof s.$ref === 'string') {
    const name = s.$ref.split('/').pop() ?? ''
    return `<a href="#schema-${anchor(name)}">${esc(name)}</a>`
  }
  if (Array.isArray(s.allOf))
    return s.allOf.map((part) => (isRefinement(part) ? refinementHtml(part) : schemaHtml(part))).join(' ')
  if (Array.isArray(s.anyOf)) return s.anyOf.map(schemaHtml).join(' or ')
  if (s.type === 'object' && s.properties) return fieldsHtml(s)
  if (s.type === 'array') return `array of ${schemaHtml(s.items)}`
  const notes = [
    s.const !== undefined && `always ${esc(JSON.stringify(s.const))}`,
    Array.isArray(s.enum) && `one of ${s.enum.map((e) => `<code>${esc(e)}</code>`).join(', ')}`,
    s.format !== undefined && esc(s.format),
    s.maxLength !== undefined && `at most ${esc(s.maxLength)} characters`,
    s.description !== undefined && prose(s.description),
  ].filter(Boolean)
  return `${esc(s.type ?? 'any')}${notes.length ? ` (${notes.join('; ')})` : ''}`
}

/** An `allOf` part that only pins fields of the other (`status` 401, `code` one of ...). */
const isRefinement = (part: unknown): boolean => {
  const fields = Object.values(obj(obj(part).properties))
  return (
    obj(part).required === undefined &&
    fields.length > 0 &&
    fields.every((f) => obj(f).const !== undefined || Array.isArray(obj(f).enum))
  )
}

const refinementHtml = (part: unknown): string =>
  `where ${Object.entries(obj(obj(part).properties))
    .map(([name, f]) => {
      const values = obj(f).const !== undefined ? [obj(f).const] : list(obj(f).enum)
      return `<code>${esc(name)}</code> is ${values.map((x) => `<code>${esc(x)}</code>`).join(' or ')}`
    })
    .join(' and ')}`

function fieldsHtml(s: Json): string {
  const required = new Set(list(s.required))
  const rows = Object.entries(obj(s.properties)).map(
    ([name, field]) =>
      `<tr><td><code>${esc(name)}</code></td><td>${required.has(name) ? 'required' : 'optional'}</td>` +
      `<td>${schemaHtml(field)}</td></tr>`,
  )
  const closed = s.additionalProperties === false ? '<p>No other field is accepted.</p>' : ''
  return `<table><tr><th>field</th><th></th><th>type</th></tr>${rows.join('')}</table>${closed}`
}

const contentHtml = (content: unknown): string =>
  Object.entries(obj(content))
    .map(([media, m]) => `<p><code>${esc(media)}</code></p>${obj(m).schema ? schemaHtml(obj(m).schema) : ''}`)
    .join('')

function operationHtml(method: string, path: string, op: Json): string {
  const id = anchor(String(op.operationId ?? `${method}-${path}`))
  const security = list(op.security).map((req) => Object.keys(obj(req)).join(' + ') || 'none')
  const params = list(op.parameters).map(
    (p) => `<li><code>${esc(obj(p).name)}</code> (${esc(obj(p).in)}): ${prose(obj(p).description)}</li>`,
  )
  const body = obj(op.requestBody).content
  const responses = Object.entries(obj(op.responses)).map(([status, r]) => {
    const headers = Object.keys(obj(obj(r).headers)).map((h) => `<code>${esc(h)}</code>`)
    return (
      `<tr><td>${esc(status)}</td><td>${prose(obj(r).description)}` +
      `${headers.length ? `<br>headers: ${headers.join(', ')}` : ''}</td><td>${contentHtml(obj(r).content)}</td></tr>`
    )
  })
  return [
    `<h3 id="${id}"><span class="m">${esc(method)}</span> <code>${esc(path)}</code>: ${esc(op.summary)}</h3>`,
    `<p>${prose(op.description)}</p>`,
    security.length ? `<p>Credentials, any one of: ${security.map(esc).join(', ')}.</p>` : '',
    params.length ? `<p>Parameters:</p><ul>${params.join('')}</ul>` : '',
    body ? `<h4>Request body</h4>${contentHtml(body)}` : '',
    `<h4>Responses</h4><table><tr><th>status</th><th>meaning</th><th>body</th></tr>${responses.join('')}</table>`,
  ].join('\n')
}

/** The page and the CSP that lets exactly its style sheet apply. */
export async function renderDocsPage(document: unknown): Promise<{ html: string; csp: string }> {
  const doc = obj(document)
  const info = obj(doc.info)
  const components = obj(doc.components)
  const operations = Object.entries(obj(doc.paths)).flatMap(([path, item]) =>
    Object.entries(obj(item)).map(([method, op]) => ({ method, path, op: obj(op) })),
  )
  const tags = list(doc.tags).map((t) => obj(t))
  const sections = tags.map((tag) => {
    const ops = operations.filter((o) => list(o.op.tags).includes(tag.name))
    return `<h2 id="tag-${anchor(String(tag.name))}">${esc(tag.name)}</h2><p>${prose(tag.description)}</p>${ops
      .map((o) => operationHtml(o.method, o.path, o.op))
      .join('\n')}`
  })
  const nav = operations.map(
    (o) => `<li><a href="#${anchor(String(o.op.operationId))}">${esc(o.method.toUpperCase())} ${esc(o.path)}</a></li>`,
  )
  const schemes = Object.entries(obj(components.securitySchemes)).map(([name, s]) => {
    const where = obj(s).in === 'cookie' ? `cookie <code>${esc(obj(s).name)}</code>` : `HTTP ${esc(obj(s).scheme)}`
    return `<tr><td><code>${esc(name)}</code></td><td>${where}</td><td>${prose(obj(s).description)}</td></tr>`
  })
  const schemas = Object.entries(obj(components.schemas)).map(
    ([name, s]) =>
      `<h3 id="schema-${anchor(name)}">${esc(name)}</h3><p>${prose(obj(s).description)}</p>${schemaHtml({ ...obj(s), description: undefined })}`,
  )
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} ${esc(info.version)}: API reference</title><style>${CSS}</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
<p>${prose(info.description)}</p>
<p>OpenAPI ${esc(doc.openapi)}: <a href="openapi.json">openapi.json</a>.</p>
<nav><ul>${nav.join('')}</ul></nav>
${sections.join('\n')}
<h2 id="credentials">Credentials</h2><table><tr><th>name</th><th>where</th><th></th></tr>${schemes.join('')}</table>
<h2 id="schemas">Schemas</h2>${schemas.join('\n')}
</body></html>
`
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(CSS))
  const hash = btoa(String.fromCharCode(...new Uint8Array(digest)))
  const csp = `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
  return { html, csp }
}
