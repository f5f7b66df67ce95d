import { createRedisStores } from '../../src/adapters/stores/redis/index.js'
import { runStoreContract } from '../contract/stores.contract.js'
import { describeRedis } from '../support/redis-server.js'
import { dropPrefix, testPrefix, useRedisCluster, useSingleRedis } from './fixture.js'

// The store contract, unchanged, against a real redis-server and a real 3-master Redis Cluster.
// Each test gets a fresh keyspace: a prefix of its own.

describeRedis('redis store', 'any', () => {
  const redis = useSingleRedis()
  runStoreContract('redis', async () => {
    const { client } = redis()
    const prefix = testPrefix()
    return { stores: createRedisStores(client, { prefix }), cleanup: () => dropPrefix(client, prefix) }
  })
})

describeRedis('redis cluster store', 'private', () => {
  const redis = useRedisCluster()
  runStoreContract('redis-cluster', async () => ({
    stores: createRedisStores(redis().client, { prefix: testPrefix() }),
  }))
})
