/**
 * What the Worker bundle has for `zod/v4/core` (the `[alias]` in wrangler.toml). hono-openapi's
 * JSON Schema layer imports zod's converter on demand, for zod schemas only; this service's schemas
 * are valibot's, so the converter is never asked for, and bundling zod would add about 220 KB.
 */
export const toJSONSchema = undefined
