import type { Migration } from '../migrate.js';
import { modemsAndSms } from './001-modems-and-sms.js';

/** Every migration, in order. Append only: never edit one that has shipped. */
export const migrations: readonly Migration[] = [modemsAndSms];
