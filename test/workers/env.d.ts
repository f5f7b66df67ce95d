// Bindings the workerd test projects add to wrangler.toml's (vitest.workers.config.ts).
declare namespace Cloudflare {
  interface Env {
    /** Which store the HTTP suite runs against: `durable-object` or `kv`. */
    readonly TEST_STORE?: string
    readonly JWT_SECRET?: string
  }
}
