import { describe, expect, it } from 'vitest'
import { storeKind } from '../support/store-under-test.js'
import { bodyOf, setsCookies, setup } from './helpers.js'

describe('GET /health', () => {
  it('answers 200 {status: "ok", store} naming the store that answers, with no cookie', async () => {
    const t = await setup()
    const res = await t.client.request('/health')
    expect(res.status).toBe(200)
    const body = await bodyOf(res)
    expect(body).toEqual({ status: 'ok', store: t.stores.health.kind })
    // The project's stores, not a default: memory on Node, redis in http-redis, the Worker's in workerd.
    expect(body.store).toBe(storeKind)
    expect(setsCookies(res)).toBe(false)
  })

  it('needs no auth, and bad cookies do not matter', async () => {
    const t = await setup()
    const res = await t.app.request('/health', { headers: { cookie: 'access_token=garbage; refresh_token=garbage' } })
    expect(res.status).toBe(200)
    expect(setsCookies(res)).toBe(false)
  })
})
