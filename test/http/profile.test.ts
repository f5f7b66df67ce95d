import { describe, expect, it } from 'vitest'
import { TestClient } from '../support/app-harness.js'
import { bodyOf, expectProblem, PASSWORD, post, raw, setup, signedIn } from './helpers.js'

const USER_KEYS = ['createdAt', 'email', 'emailVerified', 'id', 'name', 'roles']

describe('GET /profile', () => {
  it('answers 200 {user} with exactly id, email, name, createdAt, emailVerified and roles', async () => {
    const t = await setup()
    const registeredAt = t.clock.now()
    const { client, userId } = await signedIn(t, 'Ada@Example.com')
    const res = await client.request('/profile')
    expect(res.status).toBe(200)
    const text = await res.clone().text()
    const { user } = (await bodyOf(res)) as { user: Record<string, unknown> }
    expect(Object.keys(user).sort()).toEqual(USER_KEYS)
    expect(user).toEqual({
      id: userId,
      email: 'ada@example.com',
      name: null,
      createdAt: new Date(registeredAt).toISOString(),
      emailVerified: false,
      roles: [],
    })
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toMatch(/scrypt|hash/i)
  })

  it('answers 401 without auth', async () => {
    const t = await setup()
    await expectProblem(await t.client.request('/profile'), 401, 'unauthorized')
  })
})

describe('POST /profile', () => {
  it('updates the name and answers 200 {user}', async () => {
    const t = await setup()
    const { client, userId } = await signedIn(t, 'ada@example.com')
    const res = await client.request('/profile', post({ name: '  Ada Lovelace ' }))
    expect(res.status).toBe(200)
    const { user } = (await bodyOf(res)) as { user: Record<string, unknown> }
    expect(Object.keys(user).sort()).toEqual(USER_KEYS)
    expect(user).toMatchObject({ id: userId, email: 'ada@example.com', name: 'Ada Lovelace' })
    expect(((await bodyOf(await client.request('/profile'))).user as { name: string }).name).toBe('Ada Lovelace')
    // Another session of the same user sees it.
    const other = new TestClient(t.app)
    await other.request('/login', post({ email: 'ada@example.com', password: PASSWORD }))
    expect(((await bodyOf(await other.request('/profile'))).user as { name: string }).name).toBe('Ada Lovelace')
  })

  it.each([
    ['empty', { name: '' }],
    ['blank', { name: ' \t ' }],
    ['over 100 characters', { name: 'x'.repeat(101) }],
    ['a control character', { name: 'Ada\u0007' }],
    ['a line separator', { name: 'Ada\u2028Lovelace' }],
    ['not a string', { name: 42 }],
    ['null', { name: null }],
    ['missing', {}],
    ['an unknown key', { name: 'Ada', email: 'evil@example.com' }],
  ])('refuses a name that is %s with 400 and changes nothing', async (_label, json) => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    await client.request('/profile', post({ name: 'Before' }))
    await expectProblem(await client.request('/profile', post(json)), 400, 'invalid_request')
    const { user } = (await bodyOf(await client.request('/profile'))) as { user: Record<string, unknown> }
    expect(user).toMatchObject({ name: 'Before', email: 'ada@example.com' })
  })

  it('accepts 100 characters', async () => {
    const t = await setup()
    const { client } = await signedIn(t, 'ada@example.com')
    expect((await client.request('/profile', post({ name: 'é'.repeat(100) }))).status).toBe(200)
  })

  it('answers 401 without auth, before reading the body', async () => {
    const t = await setup()
    await expectProblem(await t.client.request('/profile', post({ name: 'Ada' })), 401, 'unauthorized')
    await expectProblem(await t.client.request('/profile', raw('not json', 'application/json')), 401, 'unauthorized')
  })
})
