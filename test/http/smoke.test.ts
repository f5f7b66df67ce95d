import { describe, expect, it } from 'vitest'
import { makeTestApp, TestClient } from '../support/app-harness.js'

describe('smoke', () => {
  it('walks register, login, profile, refresh, logout', async () => {
    const { app } = await makeTestApp()
    const client = new TestClient(app)
    await client.signUp('smoke@example.com')
    expect((await client.request('/profile')).status).toBe(200)
    expect((await client.request('/refresh', { method: 'POST' })).status).toBe(200)
    expect((await client.request('/logout', { method: 'POST' })).status).toBe(204)
    expect((await client.request('/profile')).status).toBe(401)
  })
})
