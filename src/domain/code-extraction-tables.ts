/**
 * The data behind the generic verification-code extractor (code-extraction.ts): keyword lists,
 * the shapes a number can take in an SMS, and the scoring table. Kept apart from the algorithm so
 * that adding a language or a currency is a one-line change to a list, not to code.
 *
 * All sources are compiled with the `u` flag; keyword sources also with `i` (Unicode case folding,
 * so "КОД" matches "код") unless listed as case-sensitive.
 */

/** Latin (with the Vietnamese and Turkish extensions), Greek and Cyrillic letters: the scripts
 * that separate words with spaces, so a digit glued to one of them is part of a word ("SU1234"),
 * while a digit glued to CJK or Thai text ("验证码123456") is still a number of its own. */
export const WORD_LETTERS = String.raw`A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF\u1E00-\u1EFF`;

/** No letter or digit before (any script). */
const B = String.raw`(?<![\p{L}\p{N}])`;
/** No letter after: "OTP123456" still counts, "pinned" does not. */
const E = String.raw`(?!\p{L})`;
/** Swallow inflection (kodunuz, кодом, codes) so the gap to the code is measured from the word end. */
const TAIL = String.raw`[\p{Script=Latin}\p{Script=Cyrillic}]*`;

export interface KeywordList {
  readonly weight: number;
  readonly sources: readonly string[];
  readonly caseSensitive?: boolean;
}

/**
 * Words that announce a verification code. Weight 40: one of these right before a number
 * outweighs every other signal (length, position). The "code" family has no left boundary on
 * purpose: German and Dutch glue it into compounds (Bestätigungscode, verificatiecode).
 */
export const STRONG_KEYWORDS: KeywordList = {
  weight: 40,
  sources: [
    `code${TAIL}`, // code, codes, passcode, Bestätigungscode, verificatiecode
    `c[oó]dig[oa]${TAIL}`, // es/pt: código, codigo
    `codice${TAIL}`, // it
    `k[oó]d${TAIL}`, // tr/pl/cs/sv/id/ms: kod, kodunuz, kodem, kód, kode
    `${B}cod(?:ul)?${E}`, // ro
    `код${TAIL}`, // ru/uk/kk/bg/sr
    `${B}(?:OTP|PIN|SMS-?PIN)${E}`,
    `${B}(?:password|passwort|kennwort|mot de passe|senha|contrase[ñn]a|clave|has[łl]o|parola|[şs]ifre${TAIL}|kata sandi|пароль${TAIL})`,
    `κωδικ\\p{L}*`, // el
    'קוד', // he
    'رمز', // ar/fa: رمز التحقق
    'كود', // ar
    'کد', // fa
    'कोड', // hi
    'ओटीपी', // hi: OTP
    'รหัส', // th
    `${B}m[ãa](?= (?:x[áa]c|OTP|b[ảa]o))|${B}mã${E}`, // vi: bare "ma" is too common a syllable
    '验证码|驗證碼|校验码|校驗碼|动态码|動態碼|确认码|確認碼|认证码|認證碼|密码|密碼', // zh
    '認証コード|確認コード|認証番号|確認番号|暗証番号|ワンタイムパスワード|パスコード|コード', // ja
    '인증\\s?번호|인증\\s?코드|확인\\s?코드|승인\\s?번호|보안\\s?코드|코드|비밀번호', // ko
  ],
};

/** Bank "TAN" must stay upper case: the lower-case word "tan" is ordinary English. */
export const STRONG_CASE_SENSITIVE_KEYWORDS: KeywordList = {
  weight: 40,
  caseSensitive: true,
  sources: [`${B}(?:m|SMS-|sms)?TAN${E}`],
};

/** Words about verifying or logging in: a hint, not proof (weight 15). */
export const WEAK_KEYWORDS: KeywordList = {
  weight: 15,
  sources: [
    `${B}(?:verif|confirm|v[ée]rif|bestätig|doğrula|weryfik|подтвержд|验证|驗證|確認|인증)${TAIL}`,
    `${B}(?:x[áa]c (?:th[ựu]c|nh[ậa]n))`,
    'التحقق|تأكيد',
    `${B}(?:login|log in|sign in|вход${TAIL}|anmeld${TAIL}|connexion)`,
  ],
};

/**
 * Words that say the number right after them is something else: an order, a card, an account, a
 * balance, a phone. They only disqualify a number they introduce directly ("Order 58213",
 * "Order No. 58213", "карта 1234"), so "OTP for your order: 552190" is still read as a code.
 * Promo phrases are here too and also cancel the "code" keyword inside them.
 */
export const NEGATIVE_KEYWORDS: KeywordList = {
  weight: 0,
  sources: [
    `${B}(?:promo\\s?-?code${TAIL}|coupon code|voucher code|gutscheincode|code promo|c[oó]digo promocional|промокод${TAIL})`,
    `${B}(?:orders?|order id|заказ${TAIL}|pedido|commande|bestellung|sipari[şs]${TAIL}|zam[óo]wieni${TAIL}|pesanan|ordine)${E}`,
    `${B}(?:parcel|package|shipment|tracking|посылк${TAIL}|отправлени${TAIL}|трек${TAIL}|invoice|ticket|booking)${E}`,
    `${B}(?:ref|reference|référence|referencia|transaction|txn|trx|id)${E}`,
    `${B}(?:cards?|карт${TAIL}|kart${TAIL}|tarjeta|cart[ãa]o|carte|karte|account|acct|a/c|сч[её]т${TAIL}|konto)${E}`,
    `${B}(?:balance|баланс${TAIL}|остаток${TAIL}|saldo|solde)${E}`,
    `${B}(?:tel|phone|call|телефон${TAIL}|звоните|ending(?: in| with)?|оканчивающ${TAIL})${E}`,
    '尾号|尾號|订单|訂單|注文|주문|카드',
  ],
};

/** Words allowed between a keyword and an alphanumeric code it introduces ("code is: XK4P9"). */
export const FILLER_WORDS: readonly string[] = [
  'is',
  'es',
  'é',
  'est',
  'ist',
  'lautet',
  'это',
  'là',
  'adalah',
  'to',
  'jest',
  'är',
  'er',
  'هو',
  'คือ',
  'your',
  'the',
];

/** Currency signs and codes that may stand before an amount ("$12.50", "USD 12", "Rp 50.000"). */
export const CURRENCY_BEFORE = String.raw`(?:[$€£¥₹₽₺₩₫฿₴₸₱₦]|R\$|US\$|Rp\.?|RM|Rs\.?|USD|EUR|GBP|RUB|INR|IDR|TRY|BRL|VND|MYR|PHP|THB|AED|SAR|CNY|JPY|KRW)`;

/** Currency signs, codes and words that may follow an amount ("1 000 ₽", "1500р.", "25 TL"). */
export const CURRENCY_AFTER = String.raw`(?:[$€£¥₹₽₺₩₫฿₴₸₱₦元円원]|руб[а-яё]*\.?|р\.?|грн\.?|тенге|сум|USD|EUR|GBP|RUB|UAH|KZT|INR|IDR|TRY|TL|BRL|VND|PLN|zł|zl|CZK|Kč|HUF|Ft|RON|lei|MYR|THB|บาท|AED|SAR|ريال|درهم|dollars?|euros?|reais|pesos?|dong|đ)`;

/** Units of time and quantity: "1440 minutes" or "5000 points" is not a code. */
export const QUANTITY_AFTER = String.raw`(?:min|mins|minutes?|sec|secs|seconds?|hours?|hrs?|days?|мин[а-яё]*\.?|сек[а-яё]*\.?|час[а-яё]*|дн[а-яё]*|points?|pts|bonus|баллов|бонус[а-яё]*|dakika|menit|minuti|minutos|Minuten|phút|นาที|分钟|分|秒|時間|분|초|دقائق|دقيقة|GB|MB|Гб|Мб)`;

/** A number as written in amounts: 1 000, 1,500.00, 1.500,00, 49.99, 1500 (bounded groups keep
 * backtracking linear). */
export const AMOUNT_NUMBER = String.raw`(?:\d{1,3}(?:[ \u00A0\u202F,.']\d{3}){1,5}|\d{1,12})(?:[.,]\d{1,2})?`;

/**
 * The scoring table. A candidate's score is
 *   kind + digitCount + keyword bonus − position × positionPerChar,
 * and the highest eligible score wins (ties: the earlier one).
 */
export const SCORES = {
  /** Why each kind starts where it does. */
  kind: {
    digits: 10, // the plain case: most services send bare digits
    split: 10, // 123-456 / 123 456 (WhatsApp, Instagram, Signal): as good as plain digits
    prefixed: 14, // G-123456, FB-12345: the letter prefix itself marks a code
    alnum: 0, // only ever eligible when a keyword introduces it directly
    year: -25, // 1900–2099 alone is far more often a year than a code
  },
  /** Six digits is the most common OTP length, then five and four; seven and eight are rarer. */
  digitCount: { 4: 4, 5: 5, 6: 6, 7: 4, 8: 3 } as Readonly<Record<number, number>>,
  keyword: {
    /** Gap (characters) within which a keyword counts fully / partly. */
    nearGap: 12,
    farGap: 40,
    /** A year is only taken when a strong keyword is this close, in the same sentence. */
    clearlyGap: 24,
    /** "code: 123456" says more than "123456 is your Facebook code", which says more than a
     * keyword in the next sentence ("…1234. Never share this code."). */
    beforeNear: 1,
    beforeFar: 0.6,
    afterNear: 0.7,
    afterFar: 0.45,
    acrossSentence: 0.25,
    /** A negative keyword disqualifies the number it introduces within this many characters. */
    negativeGap: 6,
  },
  /** Earlier wins among otherwise equal numbers: the code usually leads the message. */
  positionPerChar: 0.002,
} as const;

/** Work bound per SMS: a 10-part concatenated SMS is ~1,530 characters; nothing beyond this
 * is scanned, so a hostile or corrupt text costs at most this much. */
export const MAX_SCAN_CHARS = 4096;
