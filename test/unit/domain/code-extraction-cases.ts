/**
 * Real-world verification SMS texts (formats as the services send them, codes replaced), with the
 * code a customer expects and the trap each one holds.
 */
export interface CodeCase {
  readonly service: string;
  readonly text: string;
  readonly expected: string | null;
  readonly trap: string;
}

export const codeCases: readonly CodeCase[] = [
  // Messengers
  {
    service: 'Telegram',
    text: 'Telegram code: 48213\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48213',
    expected: '48213',
    trap: 'the same digits inside a link',
  },
  {
    service: 'Telegram',
    text: "Login code: 73105. Do not give this code to anyone, even if they say they are from Telegram!\n\nThis code can be used to log in to your Telegram account. We never ask it for anything else.\n\nIf you didn't request this code by trying to log in on another device, simply ignore this message.",
    expected: '73105',
    trap: 'keyword repeated in later sentences',
  },
  {
    service: 'WhatsApp',
    text: "<#> Your WhatsApp code: 123-456\n\nYou can also tap on this link to verify your phone: v.whatsapp.com/123456\n\nDon't share this code with others\n\n4sgLq1p5sV6",
    expected: '123456',
    trap: 'split code, link digits, app hash',
  },
  {
    service: 'WhatsApp Business',
    text: "Your WhatsApp Business code 804-221\nDon't share this code with others",
    expected: '804221',
    trap: 'split code without colon',
  },
  {
    service: 'Signal',
    text: 'Your Signal code: 593-017 Do not share this code\n\ndoDiFGKPO1r',
    expected: '593017',
    trap: 'split code, app hash',
  },
  {
    service: 'Viber',
    text: "Your Viber code: 605314. Don't share it with anyone.",
    expected: '605314',
    trap: 'plain',
  },
  {
    service: 'WeChat',
    text: '【微信】验证码：482113，用于微信注册，5分钟内有效。如非本人操作，请忽略。',
    expected: '482113',
    trap: 'Chinese, full-width colon and comma',
  },
  {
    service: 'WeChat',
    text: '[WeChat] Your verification code is 926471. Please do not share it with others.',
    expected: '926471',
    trap: 'English variant',
  },
  {
    service: 'LINE',
    text: '[LINE] Your verification code is 3194. Enter this code in LINE to complete registration.',
    expected: '3194',
    trap: 'four digits',
  },
  {
    service: 'KakaoTalk',
    text: '[Web발신]\n[카카오톡] 인증번호 [7752]를 입력해 주세요.',
    expected: '7752',
    trap: 'Korean, brackets glued to Hangul',
  },
  {
    service: 'Naver',
    text: '[Web발신]\n[네이버] 인증번호[830216]입니다. 정확히 입력해주세요.',
    expected: '830216',
    trap: 'Korean, no spaces around the code',
  },
  {
    service: 'Discord',
    text: 'Your Discord verification code is: 581930',
    expected: '581930',
    trap: 'plain',
  },
  // Big platforms
  {
    service: 'Google',
    text: 'G-123456 is your Google verification code.',
    expected: '123456',
    trap: 'letter prefix G- (digits returned)',
  },
  {
    service: 'Google',
    text: "<#> G-902318 is your Google verification code. (Sent from Google) Don't share it with anyone. kRlmFdh6b3c",
    expected: '902318',
    trap: 'prefix, app hash',
  },
  {
    service: 'Microsoft',
    text: 'Use 1234567 as Microsoft account security code',
    expected: '1234567',
    trap: 'seven digits before the keyword, "account" nearby',
  },
  {
    service: 'Facebook',
    text: '482913 is your Facebook code',
    expected: '482913',
    trap: 'code before the keyword',
  },
  {
    service: 'Facebook',
    text: 'FB-12345 is your Facebook confirmation code',
    expected: '12345',
    trap: 'letter prefix FB-',
  },
  {
    service: 'Instagram',
    text: "123 456 is your Instagram code. Don't share it. #ig",
    expected: '123456',
    trap: 'split with a space',
  },
  {
    service: 'Apple',
    text: "Your Apple ID Code is: 123456. Don't share it with anyone.\n\n@apple.com #123456 %apple.com",
    expected: '123456',
    trap: 'domain-bound suffix with #code',
  },
  {
    service: 'Amazon',
    text: '739104 is your Amazon OTP. Do not share it with anyone.',
    expected: '739104',
    trap: 'OTP after the code',
  },
  {
    service: 'Amazon',
    text: 'Your Amazon OTP is 551923. Order #112-3456789-1234567 will ship on 2026-05-14.',
    expected: '551923',
    trap: 'order number with many digits, ISO date',
  },
  {
    service: 'Uber',
    text: 'Your Uber code is 1234. Never share this code.',
    expected: '1234',
    trap: 'short code',
  },
  {
    service: 'TikTok',
    text: '[TikTok] 123456 is your verification code, valid for 5 minutes. Code sharing is prohibited.',
    expected: '123456',
    trap: 'validity in minutes',
  },
  {
    service: 'X',
    text: '123456 is your X verification code.',
    expected: '123456',
    trap: 'one-letter brand',
  },
  {
    service: 'Twitter',
    text: 'Your Twitter confirmation code is 470913.',
    expected: '470913',
    trap: 'plain',
  },
  {
    service: 'PayPal',
    text: "PayPal: Your security code is: 806254. Your code expires in 10 minutes. Please don't reply.",
    expected: '806254',
    trap: 'expiry minutes',
  },
  {
    service: 'Tinder',
    text: "Your Tinder code is 541289 Don't share\n@tinder.com #541289",
    expected: '541289',
    trap: 'domain-bound suffix',
  },
  {
    service: 'Steam',
    text: 'Your Steam Guard code is: XK4P9',
    expected: 'XK4P9',
    trap: 'alphanumeric code',
  },
  {
    service: 'Generic',
    text: 'Your login code: AB12CD. It expires at 14:30.',
    expected: 'AB12CD',
    trap: 'alphanumeric code, time',
  },
  // Russian-speaking services
  {
    service: 'Yandex',
    text: 'Код подтверждения: 1234. Никому не говорите код, даже если его спрашивают от имени Яндекса!',
    expected: '1234',
    trap: 'Russian',
  },
  {
    service: 'Avito',
    text: 'Никому не говорите код 12345! Avito',
    expected: '12345',
    trap: 'keyword inside a warning',
  },
  {
    service: 'VK',
    text: 'VK: 482105 — код для входа. Никому не давайте код, даже сотрудникам ВКонтакте.',
    expected: '482105',
    trap: 'code before the keyword',
  },
  {
    service: 'Mail.ru',
    text: 'Код для входа в Mail.ru: 715093. Если вы не запрашивали код, позвоните 8-800-555-35-35',
    expected: '715093',
    trap: 'domain in text, Russian toll-free number',
  },
  {
    service: 'Sberbank',
    text: 'Никому не сообщайте код 48213! Подтвердите покупку 1 250,00 ₽ в OZON. Карта *4417. Баланс: 25 000,50 р.',
    expected: '48213',
    trap: 'amounts with space thousands, card ending, balance',
  },
  {
    service: 'Tinkoff',
    text: 'Покупка 3500 руб. в SHOP, карта *1234, 12.05.2026 14:30. Код подтверждения: 9043',
    expected: '9043',
    trap: 'amount, card, date and time before the code',
  },
  {
    service: 'Sberbank',
    text: 'VISA1234 12:30 Покупка 1500р SHOP Баланс: 25000.50р',
    expected: null,
    trap: 'card transaction, no code',
  },
  // European languages
  {
    service: 'Generic',
    text: 'Tu código de verificación es 123456',
    expected: '123456',
    trap: 'Spanish',
  },
  {
    service: 'iFood',
    text: 'Seu código é 1234. Não compartilhe com ninguém.',
    expected: '1234',
    trap: 'Portuguese',
  },
  {
    service: 'N26',
    text: 'Ihr Bestätigungscode lautet 836152. Gültig bis 12.05.2026 14:30 Uhr.',
    expected: '836152',
    trap: 'German compound, date, time',
  },
  {
    service: 'Generic',
    text: 'Votre code de vérification est 123456',
    expected: '123456',
    trap: 'French',
  },
  {
    service: 'Generic',
    text: 'Il tuo codice di verifica è 590312. Non condividerlo con nessuno.',
    expected: '590312',
    trap: 'Italian',
  },
  {
    service: 'Trendyol',
    text: 'Doğrulama kodunuz: 123456. Bu kodu kimseyle paylaşmayın. B002',
    expected: '123456',
    trap: 'Turkish, sender id',
  },
  {
    service: 'Allegro',
    text: 'Twój kod weryfikacyjny to 582013. Nie udostępniaj go nikomu.',
    expected: '582013',
    trap: 'Polish',
  },
  { service: 'Generic', text: 'Ο κωδικός σας είναι 4410', expected: '4410', trap: 'Greek' },
  // Asian and Middle-Eastern languages
  {
    service: 'Gojek',
    text: 'Kode verifikasi Anda adalah 1234. JANGAN BERIKAN kode ini ke siapa pun.',
    expected: '1234',
    trap: 'Indonesian, upper-case words',
  },
  {
    service: 'KBank',
    text: 'รหัส OTP คือ 482113 (Ref: XKCD) ใช้ได้ภายใน 5 นาที',
    expected: '482113',
    trap: 'Thai, alphanumeric reference',
  },
  {
    service: 'Alipay',
    text: '【支付宝】验证码482113，您正在进行身份验证，打死也不要告诉别人哦！',
    expected: '482113',
    trap: 'Chinese, code glued to Han characters',
  },
  {
    service: 'Mercari',
    text: '【メルカリ】認証番号：5821 この番号を他人に教えないでください。',
    expected: '5821',
    trap: 'Japanese',
  },
  {
    service: 'Generic',
    text: '認証コード：１２３４５６ このコードは10分間有効です。',
    expected: '123456',
    trap: 'Japanese full-width digits',
  },
  {
    service: 'Zalo',
    text: 'Mã OTP của bạn là 123456. Không chia sẻ mã này với bất kỳ ai.',
    expected: '123456',
    trap: 'Vietnamese',
  },
  {
    service: 'Generic',
    text: 'Ma xac thuc cua ban la 294017',
    expected: '294017',
    trap: 'Vietnamese without diacritics',
  },
  { service: 'Generic', text: 'رمز التحقق الخاص بك هو 123456', expected: '123456', trap: 'Arabic' },
  { service: 'STC', text: 'رمز التحقق: ٤٨٢١١٣', expected: '482113', trap: 'Arabic-Indic digits' },
  {
    service: 'HDFC Bank',
    text: '552190 is the OTP for your txn of INR 2,500.00 at AMAZON on card XX1234. Valid for 10 mins. Do not share with anyone. -HDFC Bank',
    expected: '552190',
    trap: 'INR amount, masked card',
  },
  // Phone numbers, dates, amounts, order numbers
  {
    service: 'Generic',
    text: 'Call +1 (800) 555-0199 if you did not request. Code 4821',
    expected: '4821',
    trap: 'US phone number first',
  },
  {
    service: 'Generic',
    text: 'Code 7731 valid until 12.05.2026 14:30',
    expected: '7731',
    trap: 'date and time after the code',
  },
  {
    service: 'Generic',
    text: 'Payment of $49.99 to Shop. OTP 552190',
    expected: '552190',
    trap: 'amount first',
  },
  {
    service: 'Chase',
    text: "Chase: Your one-time code is 48213912. It expires in 10 min. We'll never call you to ask for this code. Call 1-800-935-9935 if you didn't request.",
    expected: '48213912',
    trap: 'eight digits, toll-free number',
  },
  {
    service: 'Revolut',
    text: 'Revolut: payment of €25.00 at AMAZON EU. Your code is 390127. Support: +44 7700 900123',
    expected: '390127',
    trap: 'euro amount, UK phone',
  },
  {
    service: 'Bolt',
    text: 'Order 58213 confirmed. Your code: 4471',
    expected: '4471',
    trap: 'order number introduced as such',
  },
  {
    service: 'Ozon',
    text: 'Заказ №12345678 оформлен. Код для получения: 5590',
    expected: '5590',
    trap: 'order number with №',
  },
  {
    service: 'Generic',
    text: 'Your code is 2024',
    expected: '2024',
    trap: 'a year-like code clearly stated',
  },
  {
    service: 'Generic',
    text: 'In 2025 your code was changed. Your code is 6021, it expires in 2026.',
    expected: '6021',
    trap: 'years around the code',
  },
  {
    service: 'Generic',
    text: 'Скидка 20% до 31.12.2026! Промокод SALE2026 на сайте shop.ru/sale',
    expected: null,
    trap: 'marketing: percent, date, promo code, no verification code',
  },
  {
    service: 'Generic',
    text: 'Meeting moved to 14:30 on 2026-05-12. Call +44 7700 900123.',
    expected: null,
    trap: 'no code: time, date, phone',
  },
  {
    service: 'Generic',
    text: 'Your order #58213 has shipped. Track it at https://shop.example/t/58213',
    expected: null,
    trap: 'no code: order reference and link',
  },
  {
    service: 'Generic',
    text: 'Happy New Year 2026! Your balance is 1 000 ₽.',
    expected: null,
    trap: 'no code: year and amount',
  },
];
