import type { Env, Hono } from 'hono'
import type { OpenApiOptions } from './openapi.js'

interface Documents {
  readonly json: string
  readonly html: string
  readonly csp: string
}

/**
 * `GET /openapi.json` and `GET /docs` on an app, describing every route the app has registered by
 * the first request. The document is built then, once, and kept: the generator and the JSON
 * Schema converter are imported only at that point, so neither a Node start nor a Worker isolate
 * pays for them until someone asks. Register it before the app's 405 routes.
 */
export function mountDocs<E extends Env>(app: Hono<E>, options: OpenApiOptions): void {
  let built: Promise<Documents> | undefined
  const documents = (): Promise<Documents> => {
    built ??= Promise.all([import('./openapi.js'), import('./docs-page.js')])
      .then(async ([{ openApiDocument }, { renderDocsPage }]) => {
        const document = await openApiDocument(app, options)
        const page = await renderDocsPage(document)
        return { json: JSON.stringify(document), ...page }
      })
      .catch((err: unknown) => {
        built = undefined // a bug shows as a 500 on each request, not one kept forever
        throw err
      })
    return built
  }
  app.get('/openapi.json', async (c) => c.body((await documents()).json, 200, { 'content-type': 'application/json' }))
  app.get('/docs', async (c) => {
    const { html, csp } = await documents()
    return c.html(html, 200, { 'content-security-policy': csp, 'referrer-policy': 'no-referrer' })
  })
}
