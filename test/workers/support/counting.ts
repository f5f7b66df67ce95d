import { env } from 'cloudflare:workers'
import type { AuthStoreNamespace } from '../../../src/adapters/stores/durable-object/index.js'
import type { KvLike } from '../../../src/adapters/stores/kv/index.js'

/** The role part of a store name or key: `<prefix>email:a@b` → `email`. */
const roleOf = (prefix: string, name: string): string => name.slice(prefix.length).split(':')[0] ?? '?'

/**
 * The test project's Durable Object namespace, recording every call made through it as
 * `<role>.<method>` (`email.emailLookup`), and every name it was asked for, for tests that count
 * what an operation costs.
 */
export function countingNamespace(prefix: string): { ns: AuthStoreNamespace; calls: string[]; named: string[] } {
  const calls: string[] = []
  const named: string[] = []
  const names = new Map<string, string>()
  const ns = {
    idFromName(name: string) {
      named.push(name)
      const id = env.AUTH_STORE.idFromName(name)
      names.set(id.toString(), name)
      return id
    },
    get(id: DurableObjectId) {
      const stub = env.AUTH_STORE.get(id) as unknown as Record<string, (...args: unknown[]) => unknown>
      const role = roleOf(prefix, names.get(id.toString()) ?? '?')
      return new Proxy(stub, {
        get(target, method) {
          if (typeof method !== 'string' || method === 'then') return undefined
          return (...args: unknown[]) => {
            calls.push(`${role}.${method}`)
            return target[method]?.(...args)
          }
        },
      })
    },
  }
  return { ns: ns as unknown as AuthStoreNamespace, calls, named }
}

/** The test project's KV namespace, recording every call as `<verb> <role>` (`get email`). */
export function countingKv(prefix: string, base: KvLike = env.AUTH_KV): { kv: KvLike; calls: string[] } {
  const calls: string[] = []
  const count = <T>(call: string, k: string, op: () => T): T => {
    calls.push(`${call} ${roleOf(prefix, k)}`)
    return op()
  }
  const kv: KvLike = {
    get: (k) => count('get', k, () => base.get(k)),
    put: (k, v, o) => count('put', k, () => base.put(k, v, o)),
    delete: (k) => count('delete', k, () => base.delete(k)),
    list: (o) => count('list', o.prefix, () => base.list(o)),
  }
  return { kv, calls }
}
