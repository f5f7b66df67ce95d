export { buildAuth, buildDeps, buildService, type DepsOptions, policyFrom } from '../service.js'
