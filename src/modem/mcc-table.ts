/**
 * Mobile country codes (ITU-T E.212) → ISO 3166-1 alpha-2, the operators we name from
 * MCC+MNC, and the countries whose MNCs have three digits. Data only; lookups in identity.ts.
 * Names of operators not listed here come from `AT+COPS?`.
 */

// prettier-ignore
export const MCC_COUNTRY: Readonly<Record<string, string>> = {
  // Europe
  '202': 'GR', '204': 'NL', '206': 'BE', '208': 'FR', '212': 'MC', '213': 'AD', '214': 'ES',
  '216': 'HU', '218': 'BA', '219': 'HR', '220': 'RS', '221': 'XK', '222': 'IT', '226': 'RO',
  '228': 'CH', '230': 'CZ', '231': 'SK', '232': 'AT', '234': 'GB', '235': 'GB', '238': 'DK',
  '240': 'SE', '242': 'NO', '244': 'FI', '246': 'LT', '247': 'LV', '248': 'EE', '250': 'RU',
  '255': 'UA', '257': 'BY', '259': 'MD', '260': 'PL', '262': 'DE', '266': 'GI', '268': 'PT',
  '270': 'LU', '272': 'IE', '274': 'IS', '276': 'AL', '278': 'MT', '280': 'CY', '282': 'GE',
  '283': 'AM', '284': 'BG', '286': 'TR', '293': 'SI', '294': 'MK', '295': 'LI', '297': 'ME',
  // North America and the Caribbean
  '302': 'CA', '310': 'US', '311': 'US', '312': 'US', '313': 'US', '314': 'US', '315': 'US',
  '316': 'US', '330': 'PR', '334': 'MX', '338': 'JM', '368': 'CU', '370': 'DO', '372': 'HT',
  // Asia and the Middle East
  '400': 'AZ', '401': 'KZ', '404': 'IN', '405': 'IN', '406': 'IN', '410': 'PK', '412': 'AF',
  '413': 'LK', '414': 'MM', '415': 'LB', '416': 'JO', '417': 'SY', '418': 'IQ', '419': 'KW',
  '420': 'SA', '421': 'YE', '422': 'OM', '424': 'AE', '425': 'IL', '426': 'BH', '427': 'QA',
  '428': 'MN', '429': 'NP', '432': 'IR', '434': 'UZ', '436': 'TJ', '437': 'KG', '438': 'TM',
  '440': 'JP', '441': 'JP', '450': 'KR', '452': 'VN', '454': 'HK', '455': 'MO', '456': 'KH',
  '457': 'LA', '460': 'CN', '461': 'CN', '466': 'TW', '470': 'BD', '502': 'MY', '505': 'AU',
  '510': 'ID', '515': 'PH', '520': 'TH', '525': 'SG', '528': 'BN', '530': 'NZ',
  // Africa
  '602': 'EG', '603': 'DZ', '604': 'MA', '605': 'TN', '606': 'LY', '608': 'SN', '612': 'CI',
  '620': 'GH', '621': 'NG', '630': 'CD', '634': 'SD', '636': 'ET', '639': 'KE', '640': 'TZ',
  '641': 'UG', '643': 'MZ', '645': 'ZM', '646': 'MG', '648': 'ZW', '655': 'ZA',
  // South and Central America
  '704': 'GT', '706': 'SV', '708': 'HN', '710': 'NI', '712': 'CR', '714': 'PA', '716': 'PE',
  '722': 'AR', '724': 'BR', '730': 'CL', '732': 'CO', '734': 'VE', '736': 'BO', '740': 'EC',
  '744': 'PY', '748': 'UY',
};

/**
 * MCCs whose MNCs have three digits (the IMSI alone does not say; EF_AD does, and is read
 * first when the modem allows it). India's 405 mixes both; its newer ranges are three digits.
 */
export const THREE_DIGIT_MNC_MCCS: ReadonlySet<string> = new Set([
  '302',
  '310',
  '311',
  '312',
  '313',
  '314',
  '315',
  '316',
  '334',
  '338',
  '342',
  '344',
  '346',
  '348',
  '354',
  '356',
  '358',
  '360',
  '365',
  '366',
  '376',
  '405',
  '708',
  '722',
  '732',
  '750',
]);

/** Operator names by MCC+MNC, for the networks most modem banks sit on. */
// prettier-ignore
export const OPERATORS: Readonly<Record<string, string>> = {
  '23410': 'O2 - UK', '23415': 'Vodafone UK', '23420': 'Three UK', '23430': 'EE', '23433': 'EE',
  '310260': 'T-Mobile', '310410': 'AT&T', '311480': 'Verizon',
  '25001': 'MTS RUS', '25002': 'MegaFon', '25099': 'Beeline', '25020': 'Tele2 RU',
  '26201': 'Telekom.de', '26202': 'Vodafone.de', '26203': 'o2 - de',
  '20801': 'Orange F', '20810': 'SFR', '20820': 'Bouygues', '20815': 'Free',
  '22201': 'TIM', '22210': 'Vodafone IT', '22288': 'WINDTRE',
  '21401': 'Vodafone ES', '21403': 'Orange ES', '21407': 'Movistar',
  '20404': 'Vodafone NL', '20408': 'KPN', '20416': 'Odido',
  '46000': 'China Mobile', '46001': 'China Unicom', '46011': 'China Telecom',
  '40410': 'Airtel', '40445': 'Airtel', '405840': 'Jio',
  '72405': 'Claro BR', '72406': 'Vivo', '72410': 'Vivo', '72402': 'TIM BR',
  '25501': 'Vodafone UA', '25503': 'Kyivstar', '26001': 'Plus', '26002': 'T-Mobile PL',
  '26003': 'Orange PL', '26006': 'Play', '22601': 'Vodafone RO', '22610': 'Orange RO',
  '28601': 'Turkcell', '28602': 'Vodafone TR',
  '51010': 'Telkomsel', '51502': 'Globe', '51503': 'Smart', '52001': 'AIS', '45204': 'Viettel',
};
