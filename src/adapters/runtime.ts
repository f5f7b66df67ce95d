/** Whether this isolate is a Cloudflare Worker (workerd sets the user agent). */
export const onWorkers = (): boolean =>
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers'
