/**
 * The most common passwords of eight or more characters in public breach corpora, lower-cased.
 * Shorter ones are refused by length already.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  (
    'password 12345678 123456789 1234567890 12345678910 qwertyui qwertyuiop qwerty123 qwerty12 ' +
    'qwerty1234 qwerty123456 password1 password12 password123 password! p@ssw0rd p@ssword passw0rd ' +
    'iloveyou iloveyou1 11111111 00000000 22222222 33333333 44444444 55555555 66666666 77777777 ' +
    '88888888 99999999 12121212 11223344 12341234 12344321 87654321 987654321 123123123 abc12345 ' +
    'abcd1234 1234abcd 1234qwer a1234567 aa123456 123456789a abcdefgh abcdefg1 football football1 ' +
    'baseball baseball1 sunshine sunshine1 princess princess1 welcome1 welcome123 trustno1 superman ' +
    'superman1 1qaz2wsx 1qaz2wsx3edc zaq12wsx qazwsxedc 1q2w3e4r q1w2e3r4 1q2w3e4r5t letmein1 ' +
    'letmein123 starwars whatever whatever1 dragon12 master12 asdfghjk asdfghjkl asdfasdf asdf1234 ' +
    'admin123 administrator changeme changeme1 michelle jennifer computer internet corvette mercedes ' +
    'mustang1 chocolate butterfly liverpool monkey123 google123 samsung1 shadow12 michael1 jordan23 ' +
    'hello123 charlie1 freedom1 zxcvbnm1 zxcvbnm123 passpass testtest test1234 123qweasd ' +
    'qweasdzxc 1234567a 12qwaszx lovely123 fuckyou1 secret123 summer2024 summer2025 winter2025 ' +
    'spring2025 autumn2025 qwerty2025 password2024 password2025 password2026 welcome2025 ' +
    'iloveyou2 anthony1 jessica1 ashley12 babygirl1 loveme12 killer12 pokemon1 minecraft ' +
    'unknown1 default1 access14 batman12 matrix12 hunter12 soccer12 hockey12 tigger12 ' +
    'cookie123 123abc123 qwe123qwe 1111111111 0000000000 123654789 147258369 159753456'
  ).split(' '),
)
