/**
 * What test/support/mail-global-setup.ts (Node, in vitest.workers.config.ts) hands the workerd
 * suites through `provide`, read there with `inject('mail')`: SMTP servers on loopback ports and
 * a mailbox to read what they received. Types only: the workerd side imports nothing of Node.
 */
export interface MailTestContext {
  readonly host: '127.0.0.1'
  /** No AUTH, no TLS. */
  readonly plainPort: number
  /** AUTH PLAIN/LOGIN required with `credentials`, over plain TCP. */
  readonly authPort: number
  readonly credentials: { readonly user: string; readonly pass: string }
  /** Like `authPort`, without STARTTLS, listening on 127.0.0.2 (local, yet not loopback to a mailer). */
  readonly offLoopbackAuthPort: number
  /** Offers STARTTLS in its EHLO, then answers STARTTLS with 454. */
  readonly starttlsPort: number
  /** Greets, then closes the connection at the first command. */
  readonly hangupPort: number
  /** Accepts connections and never says a word. */
  readonly silentPort: number
  /** Nobody listens here. */
  readonly deadPort: number
  /**
   * `GET ${mailbox}/mail?server=plain|auth&to=<address>[&subject=<subject>]`: the first mail to that
   * address (with that subject), waiting up to 5 s, or 404.
   */
  readonly mailbox: string
}

/** A received mail as the mailbox answers it. */
export interface MailboxEntry {
  readonly envelope: { readonly from: string; readonly to: readonly string[] }
  readonly from: { readonly address: string; readonly name: string }[]
  readonly to: string[]
  readonly subject: string | undefined
  readonly text: string | undefined
  readonly html: string | false | undefined
  readonly contentType: string | undefined
  readonly user: string | undefined
  readonly secure: boolean
}

declare module 'vitest' {
  export interface ProvidedContext {
    mail: MailTestContext
  }
}
