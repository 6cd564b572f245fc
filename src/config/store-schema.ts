import { z } from 'zod';
import { parseCronWindow } from '../pipeline/cron-window';
import { checkName, nameRule } from '../pipeline/person-name';
import { XBEES_USER_ID, XBEES_USER_ID_HINT } from './xbees-auth';

/** A value Wildix tools may write as a number or a string; we keep it as a string. */
const idString = (pattern: RegExp, hint: string) =>
  z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(pattern, hint));

/**
 * One store of `x-hoppers.json` (fields from the Wildix documentation). Unknown keys are kept
 * (passthrough) and ignored. `user` is the documentation's other name for the acting user.
 */
/**
 * Asterisk channels called in turn when nobody claims an incident (e.g.
 * `PJSIP/201`, `Local/manager@from-internal`). They reach AMI headers: strictly checked.
 */
const channel = z
  .string()
  .regex(
    /^[A-Za-z0-9_]+\/[A-Za-z0-9_@.+-]{1,80}$/,
    'an Asterisk channel such as PJSIP/201 or Local/manager@from-internal',
  );
/**
 * A name operators read (who answers an escalation call, what a store is called, where it is):
 * the names rule, with `max` characters for a store's longer names. `emptyAllowed` keeps the
 * empty value a field accepted before the rule.
 */
const name = (max?: number, emptyAllowed = false) =>
  z.string().superRefine((v, ctx) => {
    if (v === '') return emptyAllowed ? undefined : ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    const why = checkName(v, max);
    if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${why}: a name is ${nameRule(max)}` });
  });

export const storeSchema = z
  .looseObject({
    store_veesion_id: idString(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1-128)'),
    name: name(200).optional(),
    audio_conf_id: idString(/^[A-Za-z0-9_-]{1,64}$/, 'a conference number or name (letters, digits, _ -)'),
    location: name(200, true).optional(),
    xbees_channel_id: idString(/^[A-Za-z0-9_-]{1,128}$/, 'an x-bees channel id'),
    veesion_user_extension: idString(/^[A-Za-z0-9_@.-]{1,128}$/, 'a user extension or id').optional(),
    user: idString(/^[A-Za-z0-9_@.-]{1,128}$/, 'a user extension or id').optional(),
    /**
     * The x-bees user (x-bees' own id, not a PBX extension) this store's posts act for when
     * BRIDGE_XBEES_TOKEN is a PBX token; overrides BRIDGE_XBEES_USER_ID. Unused with a bot token.
     */
    xbees_user_id: z.string().trim().regex(XBEES_USER_ID, XBEES_USER_ID_HINT).optional(),
    /**
     * How this store's announcements reach its staff: `smart-notifications` (x-hoppers headsets,
     * which accept with a double press) or `conference` (a call into the room; phones press 1).
     * Absent: the first of BRIDGE_ORIGINATOR decides.
     */
    delivery: z.enum(['smart-notifications', 'conference'], 'smart-notifications or conference').optional(),
    /** Cron-style windows (local time) in which announcements are muted; chat posts go on. */
    quiet_hours: z
      .union([z.string(), z.array(z.string()).max(20)])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .superRefine((list, ctx) => {
        for (const w of list) {
          try {
            parseCronWindow(w);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        }
      })
      .optional(),
    /** `fr-FR`, `it`...: the built-in sentences of en, fr, it, de, es and a voice that speaks it. */
    language: z
      .string()
      .regex(/^[a-z]{2,3}([-_][A-Za-z]{2,4})?$/, 'a language tag such as fr-FR, it-IT or de')
      .optional(),
    /** What is said for one alert in this store (the alert variables, like VEESION_ALERT_TEXT). */
    alert_text: z.string().min(1).max(500).optional(),
    /** A channel, or `{"channel", "name"}` so the chat can say who was called. */
    escalation: z
      .array(z.union([channel, z.object({ channel, name: name() })]))
      .max(10, 'at most 10 channels')
      .optional(),
  })
  .transform(({ escalation, ...s }) => ({
    ...s,
    name: s.name ?? s.store_veesion_id,
    veesion_user_extension: s.veesion_user_extension ?? s.user,
    // Channels for the PBX; the names (when given) for the chat's follow-ups.
    ...(escalation
      ? {
          escalation: escalation.map((e) => (typeof e === 'string' ? e : e.channel)),
          escalation_names: Object.fromEntries(
            escalation.flatMap((e) => (typeof e === 'string' ? [] : [[e.channel, e.name]])),
          ) as Record<string, string>,
        }
      : {}),
  }));

export type Store = z.infer<typeof storeSchema>;

/** The three accepted file shapes: one store, an array, or `{"stores": [...]}`. */
export function storeList(doc: unknown): { items: unknown[]; prefix: string } | undefined {
  if (Array.isArray(doc)) return { items: doc, prefix: '' };
  if (doc !== null && typeof doc === 'object') {
    const stores = (doc as Record<string, unknown>).stores;
    if (Array.isArray(stores)) return { items: stores, prefix: 'stores' };
    if ('store_veesion_id' in doc) return { items: [doc], prefix: '<store>' };
  }
  return undefined;
}
