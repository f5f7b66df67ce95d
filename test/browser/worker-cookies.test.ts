import { startWorkerDev } from '../support/worker-dev.js'
import { BROWSER_VARS, cookiePromises } from './cookie-promises.js'

// The same promises once against `npm run dev:worker`: workerd, with local Durable Objects.
cookiePromises('a real browser against npm run dev:worker', () => startWorkerDev(BROWSER_VARS))
