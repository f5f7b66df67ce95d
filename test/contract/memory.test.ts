import { createMemoryStores } from '../../src/adapters/stores/memory/index.js'
import { runStoreContract } from './stores.contract.js'

runStoreContract('memory', async () => ({ stores: createMemoryStores() }))
