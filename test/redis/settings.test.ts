import { describe, expect, it } from 'vitest'
import { parseSettings, SettingsError } from '../../src/adapters/config/settings.js'

// REDIS_CLUSTER_NODES validation (no Redis needed).
describe('settings: REDIS_CLUSTER_NODES', () => {
  it('reads host:port seed nodes: names, IPv4 and bracketed IPv6, spaces around commas ignored', () => {
    const s = parseSettings({ REDIS_CLUSTER_NODES: 'redis-a.internal:7000, 10.0.0.2:7001 ,[::1]:7002' })
    expect(s.redisClusterNodes).toEqual([
      { host: 'redis-a.internal', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ])
    expect(s.redisUrl).toBeUndefined()
  })

  it('is absent when unset or empty', () => {
    expect(parseSettings({}).redisClusterNodes).toBeUndefined()
    expect(parseSettings({ REDIS_CLUSTER_NODES: '' }).redisClusterNodes).toBeUndefined()
  })

  it.each([
    ['a missing port', 'redis-a:7000,redis-b'],
    ['a port out of range', 'redis-a:70000'],
    ['port zero', 'redis-a:0'],
    ['a URL instead of host:port', 'redis://redis-a:7000'],
    ['only commas', ',,'],
    ['an unbracketed IPv6 address', '::1:7000'],
  ])('refuses %s, naming the variable', (_, value) => {
    expect(() => parseSettings({ REDIS_CLUSTER_NODES: value })).toThrow(SettingsError)
    expect(() => parseSettings({ REDIS_CLUSTER_NODES: value })).toThrow(/REDIS_CLUSTER_NODES/)
  })

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    expect(() => parseSettings({ REDIS_URL: 'redis://localhost:6379', REDIS_CLUSTER_NODES: 'localhost:7000' })).toThrow(
      /REDIS_URL or REDIS_CLUSTER_NODES/,
    )
  })

  it('still validates REDIS_URL', () => {
    expect(() => parseSettings({ REDIS_URL: 'http://localhost:6379' })).toThrow(/REDIS_URL/)
    expect(parseSettings({ REDIS_URL: 'rediss://user:pw@cache.example.com:6380' }).redisUrl).toBe(
      'rediss://user:pw@cache.example.com:6380',
    )
  })
})
