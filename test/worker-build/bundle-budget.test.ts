import { describe, expect, it } from 'vitest'
import { measureWorkerBundle, WORKER_GZIP_BUDGET } from '../../bench/worker-bundle.js'

describe('the Worker bundle', () => {
  it(`builds offline with wrangler and stays within ${WORKER_GZIP_BUDGET / 1024} KB gzipped`, async () => {
    const { rawBytes, gzipBytes } = await measureWorkerBundle()
    expect(rawBytes).toBeGreaterThan(gzipBytes)
    expect(gzipBytes).toBeLessThanOrEqual(WORKER_GZIP_BUDGET)
  }, 60_000)
})
