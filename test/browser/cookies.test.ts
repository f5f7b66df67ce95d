import { startNodeService } from '../support/node-process.js'
import { BROWSER_VARS, cookiePromises } from './cookie-promises.js'

cookiePromises('a real browser against the Node service', async () => {
  const service = await startNodeService(BROWSER_VARS)
  return { url: service.url, output: service.output, stop: service.stop }
})
