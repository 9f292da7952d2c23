/**
 * `+CMS ERROR` of `AT+CMGS`, as data: is the failure about THIS message (permanent: no retry,
 * here or elsewhere, will ever deliver it) or about the moment, the modem or the SIM
 * (temporary: a later try, or another SIM, may succeed)? Numbers 1-127 are RP causes (24.011
 * E.2), 128-255 TP causes (23.040 9.2.3.22), 300-511 the ME/TA errors of 27.005 §3.2.5,
 * 512+ vendor specific. Unknown numbers are treated as temporary: the pool bounds retries.
 */
interface CmsEntry {
  readonly permanent: boolean;
  readonly meaning: string;
}

const permanent = (meaning: string): CmsEntry => ({ permanent: true, meaning });
const temporary = (meaning: string): CmsEntry => ({ permanent: false, meaning });

export const CMS_SEND_ERRORS: Readonly<Record<number, CmsEntry>> = {
  1: permanent('unassigned_number'), // the recipient number does not exist
  // 8/10: the SENDER's subscription is barred (no credit, SMS barred): this SIM will keep
  // failing, another SIM may not. Temporary for the message; the pool may rest the SIM.
  8: temporary('operator_barring'),
  10: temporary('call_barred'),
  21: permanent('transfer_rejected'), // the network refused this message
  27: permanent('destination_out_of_service'),
  28: permanent('unidentified_subscriber'),
  29: permanent('facility_rejected'),
  30: permanent('unknown_subscriber'),
  38: temporary('network_out_of_order'),
  41: temporary('temporary_failure'),
  42: temporary('congestion'),
  47: temporary('resources_unavailable'),
  50: temporary('facility_not_subscribed'), // SIM-level: another SIM may have SMS enabled
  69: permanent('facility_not_implemented'),
  81: permanent('invalid_transfer_reference'),
  95: permanent('invalid_message'),
  96: permanent('invalid_mandatory_information'),
  97: permanent('message_type_nonexistent'),
  98: permanent('message_not_compatible'),
  99: permanent('information_element_nonexistent'),
  111: permanent('protocol_error'),
  127: permanent('interworking_unspecified'),
  128: permanent('telematic_interworking_not_supported'),
  143: permanent('tp_pid_error'),
  144: permanent('dcs_not_supported'),
  159: permanent('tp_dcs_error'),
  176: permanent('tpdu_not_supported'),
  192: temporary('sc_busy'),
  193: temporary('no_sc_subscription'),
  194: temporary('sc_system_failure'),
  195: permanent('invalid_sme_address'),
  196: permanent('destination_sme_barred'),
  197: permanent('rejected_duplicate'),
  198: permanent('vpf_not_supported'),
  199: permanent('vp_not_supported'),
  300: temporary('me_failure'),
  301: temporary('sms_service_reserved'),
  302: temporary('operation_not_allowed'),
  303: temporary('operation_not_supported'),
  304: permanent('invalid_pdu_parameter'), // our PDU (or its length) is wrong: it stays wrong
  305: permanent('invalid_text_parameter'),
  310: temporary('sim_not_inserted'),
  311: temporary('sim_pin_required'),
  313: temporary('sim_failure'),
  314: temporary('sim_busy'),
  315: temporary('sim_wrong'),
  320: temporary('memory_failure'),
  322: temporary('memory_full'),
  330: temporary('smsc_unknown'), // this SIM lacks an SMSC; another SIM may have one
  331: temporary('no_network'),
  332: temporary('network_timeout'),
  500: temporary('unknown_error'),
  512: temporary('mt_sms_collision'), // SIMCom: sending collided with an incoming SMS
};

/** Classification of a `+CMS ERROR` number (null: a textual error we could not map). */
export function classifyCmsError(number: number | null): CmsEntry {
  if (number === null) return temporary('unknown');
  const known = CMS_SEND_ERRORS[number];
  if (known) return known;
  if (number >= 128 && number <= 159) return permanent('tp_pid_or_dcs_error');
  if (number >= 160 && number <= 175) return permanent('tp_command_error');
  return temporary('unknown');
}
