/**
 * The catalog a fresh appliance starts with: the sms-activate service codes and country ids from
 * LEGACY-API.md, so existing sms-activate clients can buy at once. Pure data plus lookups, no I/O;
 * the store copies it into SQLite on first start and the operator edits it from there.
 */

export interface SeedService {
  /** sms-activate's short service code (`tg`, `wa` …), case-sensitive as clients send it. */
  readonly code: string;
  readonly name: string;
  /** Regex sources for the sender IDs the service really uses. Compile them case-insensitively
   * (`new RegExp(source, 'i')`): operators spell alphanumeric senders in varying case. Empty when
   * we do not know the sender for sure: a wrong pattern is worse than none. */
  readonly senderPatterns: readonly string[];
  /** Regex source with a named group `code`, for `extractCode`'s `pattern` option. Only where
   * the SMS format is well known and stable and a single group yields what the customer types
   * (digits only for numeric codes); else null and the generic extractor reads the text. */
  readonly codePattern: string | null;
  /** Verifies by a missed call: the code is the caller's last N digits (docs/calls.md). */
  readonly callCodeDigits?: number | null;
}

export interface SeedCountry {
  /** sms-activate's numeric country id (the `country` parameter of the legacy API). */
  readonly activateId: number;
  /** ISO 3166-1 alpha-2, upper case. Unique except for the virtual US row (see `virtual`). */
  readonly iso2: string;
  /** Names as `getCountries` returns them. */
  readonly eng: string;
  readonly rus: string;
  readonly chn: string;
  /** ITU-T E.164 country calling code, without `+`. Not unique: +1 is US and CA, +7 RU and KZ. */
  readonly callingCode: number;
  /** Every ITU-T E.212 mobile country code assigned to the country: a SIM's country is read
   * from the first three digits of its IMSI. */
  readonly mccs: readonly string[];
  /** sms-activate's "USA (virtual)" (id 12): non-SIM numbers. Real US SIMs are offered under
   * id 187, so this row owns no MCCs and no IMSI ever maps to it. */
  readonly virtual?: true;
}

/* Sender IDs: the alphanumeric names below are what these services show as the sender; the
 * numeric ones are their well-known short codes (Telegram 42777, Google 22000, Facebook and
 * Instagram 32665, Twitter 40404, Amazon 262966 "AMAZON", PayPal 729725 "PAYPAL"). */
// prettier-ignore
export const SEED_SERVICES: readonly SeedService[] = [
  // "Telegram code: 48213", "Login code: 73105. Do not give …": always five digits, written
  // unbroken; the login link repeats the same digits, so the first run is the code.
  { code: 'tg', name: 'Telegram', senderPatterns: ['^Telegram$', '^42777$'], codePattern: '(?<!\\d)(?<code>\\d{5})(?!\\d)', callCodeDigits: 5 },
  // "Your WhatsApp code: 123-456": the hyphen sits inside the code, and one regex group cannot
  // drop it, so the generic extractor (which returns "123456") reads it.
  { code: 'wa', name: 'WhatsApp', senderPatterns: ['^WhatsApp$'], codePattern: null, callCodeDigits: 6 },
  // "G-123456 is your Google verification code.": the group skips the "G-" prefix.
  { code: 'go', name: 'Google', senderPatterns: ['^Google$', '^22000$'], codePattern: '\\bG-(?<code>\\d{6})(?!\\d)' },
  // Formats vary ("FB-12345", 6 and 8 digits, localized texts): generic.
  { code: 'fb', name: 'Facebook', senderPatterns: ['^Facebook$', '^32665$'], codePattern: null },
  // "123 456 is your Instagram code": split by a space, so generic.
  { code: 'ig', name: 'Instagram', senderPatterns: ['^Instagram$', '^32665$'], codePattern: null },
  { code: 'tw', name: 'Twitter/X', senderPatterns: ['^Twitter$', '^40404$'], codePattern: null },
  { code: 'vi', name: 'Viber', senderPatterns: ['^Viber$'], codePattern: null, callCodeDigits: 6 },
  { code: 'wb', name: 'WeChat', senderPatterns: ['^WeChat$'], codePattern: null },
  { code: 'vk', name: 'VKontakte', senderPatterns: ['^VK$'], codePattern: null },
  { code: 'ok', name: 'Odnoklassniki', senderPatterns: [], codePattern: null },
  { code: 'ds', name: 'Discord', senderPatterns: [], codePattern: null },
  { code: 'lf', name: 'TikTok', senderPatterns: ['^TikTok$'], codePattern: null },
  { code: 'fu', name: 'Snapchat', senderPatterns: ['^Snapchat$'], codePattern: null },
  { code: 'oi', name: 'Tinder', senderPatterns: ['^Tinder$'], codePattern: null },
  { code: 'mm', name: 'Microsoft', senderPatterns: ['^Microsoft$'], codePattern: null },
  { code: 'mb', name: 'Yahoo', senderPatterns: ['^Yahoo$'], codePattern: null },
  { code: 'pm', name: 'AOL', senderPatterns: [], codePattern: null },
  { code: 'am', name: 'Amazon', senderPatterns: ['^Amazon$', '^262966$'], codePattern: null },
  { code: 'ub', name: 'Uber', senderPatterns: ['^Uber$'], codePattern: null },
  { code: 'tn', name: 'LinkedIn', senderPatterns: ['^LinkedIn$'], codePattern: null },
  { code: 'me', name: 'LINE', senderPatterns: ['^LINE$'], codePattern: null },
  { code: 'kt', name: 'KakaoTalk', senderPatterns: [], codePattern: null },
  { code: 'nv', name: 'Naver', senderPatterns: [], codePattern: null },
  { code: 'qq', name: 'Tencent QQ', senderPatterns: [], codePattern: null },
  { code: 'nf', name: 'Netflix', senderPatterns: ['^Netflix$'], codePattern: null },
  { code: 'mt', name: 'Steam', senderPatterns: [], codePattern: null },
  { code: 'dp', name: 'ProtonMail', senderPatterns: [], codePattern: null },
  { code: 'ma', name: 'Mail.ru', senderPatterns: ['^Mail\\.ru$'], codePattern: null },
  { code: 'ya', name: 'Yandex', senderPatterns: ['^Yandex$'], codePattern: null },
  { code: 'av', name: 'Avito', senderPatterns: ['^Avito$'], codePattern: null },
  { code: 'dh', name: 'eBay', senderPatterns: ['^eBay$'], codePattern: null },
  { code: 're', name: 'Coinbase', senderPatterns: ['^Coinbase$'], codePattern: null },
  { code: 'ts', name: 'PayPal', senderPatterns: ['^PayPal$', '^729725$'], codePattern: null },
  { code: 'wx', name: 'Apple', senderPatterns: ['^Apple$'], codePattern: null },
  // "Your Signal code: 593-017": split like WhatsApp, so generic.
  { code: 'bw', name: 'Signal', senderPatterns: [], codePattern: null },
  { code: 'dr', name: 'OpenAI', senderPatterns: [], codePattern: null },
  { code: 'yw', name: 'Grindr', senderPatterns: [], codePattern: null },
  { code: 'ka', name: 'Shopee', senderPatterns: ['^Shopee$'], codePattern: null },
  // The catch-all: any sender, any format.
  { code: 'ot', name: 'any other', senderPatterns: [], codePattern: null },
];

/* Names: `rus` is sms-activate's spelling (including its "Сауд. Аравия", "ОАЭ", "ЮАР"). For
 * `eng` and `chn` sms-activate's own list is uneven (run-together "Southafrica", Traditional
 * characters mixed with Simplified, 格鲁吉亚 given as 佐治亞州, the US state), so these are the
 * proper English name and the Simplified Chinese name, as LEGACY-API.md shows for id 16
 * ("United Kingdom", "英国").
 * MCCs: ITU-T E.212, the country proper; overseas territories with their own ISO code (French
 * Antilles 340, Faroe 288, Greenland 290 …) are not listed. */
// prettier-ignore
export const SEED_COUNTRIES: readonly SeedCountry[] = [
  { activateId: 0, iso2: 'RU', eng: 'Russia', rus: 'Россия', chn: '俄罗斯', callingCode: 7, mccs: ['250'] },
  { activateId: 1, iso2: 'UA', eng: 'Ukraine', rus: 'Украина', chn: '乌克兰', callingCode: 380, mccs: ['255'] },
  { activateId: 2, iso2: 'KZ', eng: 'Kazakhstan', rus: 'Казахстан', chn: '哈萨克斯坦', callingCode: 7, mccs: ['401'] },
  { activateId: 3, iso2: 'CN', eng: 'China', rus: 'Китай', chn: '中国', callingCode: 86, mccs: ['460', '461'] },
  { activateId: 4, iso2: 'PH', eng: 'Philippines', rus: 'Филиппины', chn: '菲律宾', callingCode: 63, mccs: ['515'] },
  { activateId: 6, iso2: 'ID', eng: 'Indonesia', rus: 'Индонезия', chn: '印度尼西亚', callingCode: 62, mccs: ['510'] },
  { activateId: 7, iso2: 'MY', eng: 'Malaysia', rus: 'Малайзия', chn: '马来西亚', callingCode: 60, mccs: ['502'] },
  { activateId: 8, iso2: 'KE', eng: 'Kenya', rus: 'Кения', chn: '肯尼亚', callingCode: 254, mccs: ['639'] },
  { activateId: 10, iso2: 'VN', eng: 'Vietnam', rus: 'Вьетнам', chn: '越南', callingCode: 84, mccs: ['452'] },
  { activateId: 12, iso2: 'US', eng: 'USA (virtual)', rus: 'США (виртуальные)', chn: '美国（虚拟）', callingCode: 1, mccs: [], virtual: true },
  { activateId: 13, iso2: 'IL', eng: 'Israel', rus: 'Израиль', chn: '以色列', callingCode: 972, mccs: ['425'] },
  { activateId: 14, iso2: 'HK', eng: 'Hong Kong', rus: 'Гонконг', chn: '香港', callingCode: 852, mccs: ['454'] },
  { activateId: 15, iso2: 'PL', eng: 'Poland', rus: 'Польша', chn: '波兰', callingCode: 48, mccs: ['260'] },
  { activateId: 16, iso2: 'GB', eng: 'United Kingdom', rus: 'Англия', chn: '英国', callingCode: 44, mccs: ['234', '235'] },
  { activateId: 19, iso2: 'NG', eng: 'Nigeria', rus: 'Нигерия', chn: '尼日利亚', callingCode: 234, mccs: ['621'] },
  { activateId: 21, iso2: 'EG', eng: 'Egypt', rus: 'Египет', chn: '埃及', callingCode: 20, mccs: ['602'] },
  { activateId: 22, iso2: 'IN', eng: 'India', rus: 'Индия', chn: '印度', callingCode: 91, mccs: ['404', '405', '406'] },
  { activateId: 23, iso2: 'IE', eng: 'Ireland', rus: 'Ирландия', chn: '爱尔兰', callingCode: 353, mccs: ['272'] },
  { activateId: 31, iso2: 'ZA', eng: 'South Africa', rus: 'ЮАР', chn: '南非', callingCode: 27, mccs: ['655'] },
  { activateId: 32, iso2: 'RO', eng: 'Romania', rus: 'Румыния', chn: '罗马尼亚', callingCode: 40, mccs: ['226'] },
  { activateId: 33, iso2: 'CO', eng: 'Colombia', rus: 'Колумбия', chn: '哥伦比亚', callingCode: 57, mccs: ['732'] },
  { activateId: 36, iso2: 'CA', eng: 'Canada', rus: 'Канада', chn: '加拿大', callingCode: 1, mccs: ['302'] },
  { activateId: 39, iso2: 'AR', eng: 'Argentina', rus: 'Аргентина', chn: '阿根廷', callingCode: 54, mccs: ['722'] },
  { activateId: 43, iso2: 'DE', eng: 'Germany', rus: 'Германия', chn: '德国', callingCode: 49, mccs: ['262'] },
  { activateId: 46, iso2: 'SE', eng: 'Sweden', rus: 'Швеция', chn: '瑞典', callingCode: 46, mccs: ['240'] },
  { activateId: 48, iso2: 'NL', eng: 'Netherlands', rus: 'Нидерланды', chn: '荷兰', callingCode: 31, mccs: ['204'] },
  { activateId: 50, iso2: 'AT', eng: 'Austria', rus: 'Австрия', chn: '奥地利', callingCode: 43, mccs: ['232'] },
  { activateId: 52, iso2: 'TH', eng: 'Thailand', rus: 'Таиланд', chn: '泰国', callingCode: 66, mccs: ['520'] },
  { activateId: 53, iso2: 'SA', eng: 'Saudi Arabia', rus: 'Сауд. Аравия', chn: '沙特阿拉伯', callingCode: 966, mccs: ['420'] },
  { activateId: 54, iso2: 'MX', eng: 'Mexico', rus: 'Мексика', chn: '墨西哥', callingCode: 52, mccs: ['334'] },
  { activateId: 56, iso2: 'ES', eng: 'Spain', rus: 'Испания', chn: '西班牙', callingCode: 34, mccs: ['214'] },
  { activateId: 62, iso2: 'TR', eng: 'Turkey', rus: 'Турция', chn: '土耳其', callingCode: 90, mccs: ['286'] },
  { activateId: 63, iso2: 'CZ', eng: 'Czech Republic', rus: 'Чехия', chn: '捷克共和国', callingCode: 420, mccs: ['230'] },
  { activateId: 66, iso2: 'PK', eng: 'Pakistan', rus: 'Пакистан', chn: '巴基斯坦', callingCode: 92, mccs: ['410'] },
  { activateId: 73, iso2: 'BR', eng: 'Brazil', rus: 'Бразилия', chn: '巴西', callingCode: 55, mccs: ['724'] },
  { activateId: 78, iso2: 'FR', eng: 'France', rus: 'Франция', chn: '法国', callingCode: 33, mccs: ['208'] },
  { activateId: 82, iso2: 'BE', eng: 'Belgium', rus: 'Бельгия', chn: '比利时', callingCode: 32, mccs: ['206'] },
  { activateId: 86, iso2: 'IT', eng: 'Italy', rus: 'Италия', chn: '意大利', callingCode: 39, mccs: ['222'] },
  // 430 (Abu Dhabi) and 431 (Dubai) are still assigned to the UAE besides 424.
  { activateId: 95, iso2: 'AE', eng: 'UAE', rus: 'ОАЭ', chn: '阿拉伯联合酋长国', callingCode: 971, mccs: ['424', '430', '431'] },
  { activateId: 117, iso2: 'PT', eng: 'Portugal', rus: 'Португалия', chn: '葡萄牙', callingCode: 351, mccs: ['268'] },
  { activateId: 128, iso2: 'GE', eng: 'Georgia', rus: 'Грузия', chn: '格鲁吉亚', callingCode: 995, mccs: ['282'] },
  { activateId: 129, iso2: 'GR', eng: 'Greece', rus: 'Греция', chn: '希腊', callingCode: 30, mccs: ['202'] },
  { activateId: 151, iso2: 'CL', eng: 'Chile', rus: 'Чили', chn: '智利', callingCode: 56, mccs: ['730'] },
  { activateId: 163, iso2: 'FI', eng: 'Finland', rus: 'Финляндия', chn: '芬兰', callingCode: 358, mccs: ['244'] },
  { activateId: 172, iso2: 'DK', eng: 'Denmark', rus: 'Дания', chn: '丹麦', callingCode: 45, mccs: ['238'] },
  { activateId: 173, iso2: 'CH', eng: 'Switzerland', rus: 'Швейцария', chn: '瑞士', callingCode: 41, mccs: ['228'] },
  { activateId: 174, iso2: 'NO', eng: 'Norway', rus: 'Норвегия', chn: '挪威', callingCode: 47, mccs: ['242'] },
  { activateId: 175, iso2: 'AU', eng: 'Australia', rus: 'Австралия', chn: '澳大利亚', callingCode: 61, mccs: ['505'] },
  { activateId: 182, iso2: 'JP', eng: 'Japan', rus: 'Япония', chn: '日本', callingCode: 81, mccs: ['440', '441'] },
  { activateId: 187, iso2: 'US', eng: 'USA', rus: 'США', chn: '美国', callingCode: 1, mccs: ['310', '311', '312', '313', '314', '315', '316'] },
  { activateId: 190, iso2: 'KR', eng: 'South Korea', rus: 'Южная Корея', chn: '韩国', callingCode: 82, mccs: ['450'] },
  { activateId: 196, iso2: 'SG', eng: 'Singapore', rus: 'Сингапур', chn: '新加坡', callingCode: 65, mccs: ['525'] },
];

const servicesByCode = new Map(SEED_SERVICES.map((service) => [service.code, service]));
const countriesById = new Map(SEED_COUNTRIES.map((country) => [country.activateId, country]));
/** Non-virtual rows only: a real SIM (or a client asking by ISO code) means the real country. */
const realCountries = SEED_COUNTRIES.filter((country) => country.virtual !== true);
const countriesByMcc = new Map(
  realCountries.flatMap((country) => country.mccs.map((mcc) => [mcc, country] as const)),
);
const countriesByIso2 = new Map(realCountries.map((country) => [country.iso2, country]));

/** The country a SIM belongs to, from the MCC (first three IMSI digits); never the virtual row. */
export function countryForMcc(mcc: string): SeedCountry | undefined {
  return countriesByMcc.get(mcc.trim());
}

export function serviceByCode(code: string): SeedService | undefined {
  return servicesByCode.get(code);
}

export function countryByActivateId(id: number): SeedCountry | undefined {
  return countriesById.get(id);
}

/** By ISO code, any case; for `US` the real-SIM row (187), not the virtual one (12). */
export function countryByIso2(iso2: string): SeedCountry | undefined {
  const upper = iso2.trim().toUpperCase();
  return countriesByIso2.get(upper) ?? SEED_COUNTRIES.find((country) => country.iso2 === upper);
}
