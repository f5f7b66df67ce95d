// The send_email binding vitest.workers.config.ts adds for test/workers/mail-send-email.test.ts.
declare namespace Cloudflare {
  interface Env {
    readonly TEST_SEND_EMAIL: SendEmail
  }
}
