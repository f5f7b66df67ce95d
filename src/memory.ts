/** `hono-cookie-auth/memory`: stores in this process's memory, for development, tests and one instance. */
export { createMemoryStores, type MemoryLimits } from './adapters/stores/memory/index.js'
