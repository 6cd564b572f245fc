import { alertVariables, type Alert, type StoreRoute } from './alert';
import { renderTemplate } from './template';

/** What is said, by kind (templates over the alert variables, `${count}`, `${cameras}`, `${by}`). */
export interface Sentences {
  /** One alert. */
  single: string;
  /** Several alerts of one camera merged by storm control. */
  many: string;
  /** Several cameras of one conference in one call. */
  summary: string;
  /** Who took it. */
  claimed: string;
  /** The word before the last camera of a list ("3, 7 and 9"). */
  and: string;
}

export const BUILT_IN_LANGUAGES = ['en', 'fr', 'it', 'de', 'es'] as const;
export type BuiltInLanguage = (typeof BUILT_IN_LANGUAGES)[number];

/** The built-in sentences of each language a store may set (`language` in x-hoppers.json). */
export const BUILT_IN: Record<BuiltInLanguage, Sentences> = {
  en: {
    single: 'Attention! Theft detected in ${name} on camera ${cameraId}',
    many: 'Attention! ${count} theft alerts in ${name} on camera ${cameraId}',
    summary: 'Attention! ${count} theft alerts in ${name}: cameras ${cameras}',
    claimed: '${by} is handling camera ${cameraId}',
    and: 'and',
  },
  fr: {
    single: 'Attention ! Vol détecté à ${name}, caméra ${cameraId}',
    many: 'Attention ! ${count} alertes de vol à ${name}, caméra ${cameraId}',
    summary: 'Attention ! ${count} alertes de vol à ${name} : caméras ${cameras}',
    claimed: "${by} s'occupe de la caméra ${cameraId}",
    and: 'et',
  },
  it: {
    single: 'Attenzione! Furto rilevato a ${name}, telecamera ${cameraId}',
    many: 'Attenzione! ${count} allarmi di furto a ${name}, telecamera ${cameraId}',
    summary: 'Attenzione! ${count} allarmi di furto a ${name}: telecamere ${cameras}',
    claimed: '${by} si occupa della telecamera ${cameraId}',
    and: 'e',
  },
  de: {
    single: 'Achtung! Diebstahl erkannt in ${name}, Kamera ${cameraId}',
    many: 'Achtung! ${count} Diebstahlalarme in ${name}, Kamera ${cameraId}',
    summary: 'Achtung! ${count} Diebstahlalarme in ${name}: Kameras ${cameras}',
    claimed: '${by} kümmert sich um Kamera ${cameraId}',
    and: 'und',
  },
  es: {
    single: '¡Atención! Robo detectado en ${name}, cámara ${cameraId}',
    many: '¡Atención! ${count} alertas de robo en ${name}, cámara ${cameraId}',
    summary: '¡Atención! ${count} alertas de robo en ${name}: cámaras ${cameras}',
    claimed: '${by} se encarga de la cámara ${cameraId}',
    and: 'y',
  },
};

/** `fr-FR` -> `fr`. */
export function baseLanguage(tag: string): string {
  return tag.toLowerCase().split(/[-_]/)[0] ?? tag;
}

/**
 * The sentences of a store: its `alert_text` first, then its language's built-in sentences,
 * then the global templates (VEESION_ALERT_TEXT...) for a store that names no language.
 */
export function sentencesFor(store: StoreRoute | undefined, globals: Sentences): Sentences {
  const lang = store?.language ? BUILT_IN[baseLanguage(store.language) as BuiltInLanguage] : undefined;
  const base = lang ?? globals;
  return store?.alert_text ? { ...base, single: store.alert_text } : base;
}

/** "3", "3 and 7", "3, 7 and 9" in the store's language. */
export function cameraList(cameras: readonly string[], and = 'and'): string {
  if (cameras.length <= 1) return cameras[0] ?? '';
  return `${cameras.slice(0, -1).join(', ')} ${and} ${cameras.at(-1) as string}`;
}

/** The variables a sentence can be known by before its alert comes: the store's, the camera, the type. */
const PREDICTABLE = new Set(['storeId', 'cameraId', 'name', 'location', 'store_veesion_id', 'alertType', 'by']);

/** Whether every variable of a template is predictable (a date or a URL never is). */
export function predictable(template: string): boolean {
  return [...template.matchAll(/\$\{(\w+)\}/g)].every((m) => PREDICTABLE.has(m[1] as string));
}

/** At most this many sentences are prepared ahead (the cache is for real alerts, not every combination). */
const MAX_PREPARED = 2000;

/**
 * What pre-rendering prepares: for every store, its one-alert sentence for each camera seen
 * recently, and its "who took it" sentence for each person who claimed there recently, in
 * the store's language. Templates with an unpredictable variable (a date, a URL) are skipped.
 */
export function sentencesToPrepare(
  stores: Iterable<StoreRoute>,
  seen: readonly { storeId: string; cameraId: string }[],
  claimers: readonly { storeId: string; cameraId: string; by: string }[],
  globals: Sentences,
): { text: string; language?: string | undefined }[] {
  const out = new Map<string, { text: string; language?: string | undefined }>();
  const add = (text: string, language: string | undefined) => {
    if (out.size < MAX_PREPARED)
      out.set(JSON.stringify([language ?? '', text]), { text, ...(language ? { language } : {}) });
  };
  for (const store of stores) {
    const says = sentencesFor(store, globals);
    const vars = (cameraId: string) => alertVariables(sampleAlert(store.store_veesion_id, cameraId), store);
    if (predictable(says.single)) {
      for (const c of seen)
        if (c.storeId === store.store_veesion_id) add(renderTemplate(says.single, vars(c.cameraId)), store.language);
    }
    if (predictable(says.claimed)) {
      for (const c of claimers)
        if (c.storeId === store.store_veesion_id)
          add(renderTemplate(says.claimed, { ...vars(c.cameraId), by: c.by }), store.language);
    }
  }
  return [...out.values()];
}

function sampleAlert(storeId: string, cameraId: string): Alert {
  return {
    id: '',
    storeId,
    cameraId,
    cameraIp: '',
    groupId: '',
    alertType: 'theft',
    startDate: '',
    endDate: '',
    videoUrl: '',
  };
}
