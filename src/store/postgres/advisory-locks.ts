/**
 * Every PostgreSQL advisory lock simpool takes, in one place: the keys share one space per
 * database with every other application's, and two of ours once collided when each file picked
 * its own. Single-key locks are 7_369_001_nnn; two-key locks use a class of their own as the
 * first key (the second is a hash of what is locked; two things sharing a hash merely wait for
 * each other). Fixed for ever: hosts of different versions must agree on them.
 */

/** Session lock around a migration run: hosts starting together migrate once. */
export const MIGRATION_LOCK_KEY = 7_369_001_001;
/** Transaction lock of the event sequencer: one numbering pass at a time across hosts. */
export const EVENT_SEQUENCER_LOCK_KEY = 7_369_001_002;
/** Transaction lock serialising host starts for the adoption of pre-cluster rows. */
export const HOST_ADOPTION_LOCK_KEY = 7_369_001_003;
/** (class, hashtext(host id)): the session lock a running host holds on its id. */
export const HOST_LOCK_CLASS = 7369;
/** (class, hash of a multipart group): reassembly of one concatenated SMS at a time. */
export const MULTIPART_GROUP_LOCK_CLASS = 7370;
