import { recordHookStates } from '../journal/hook-state';
import { hookUrlWithToken } from '../veesion/klaxon-client';
import { hookStates, planHooks, reconcileHooks, veesionStoreIds, type HookReport } from '../veesion/hook-reconciler';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { requireKlaxon, shownHookUrl } from './veesion-access';
import type { BridgeConfig } from '../config/load';

/**
 * Registers VEESION_HOOK_URL?token=... at Veesion for every configured store Veesion knows
 * (what the daemon does at start and on its schedule), and records the outcome in the journal.
 * `--dry-run` lists the same plan and changes nothing.
 */
export async function registerHooks(opts: GlobalOptions & { dryRun?: boolean }): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  const client = requireKlaxon(s, 'register-hooks');
  if (!s.VEESION_HOOK_URL)
    throw new CliExit(
      EXIT.config,
      'register-hooks needs VEESION_HOOK_URL in env.custom.ini (the URL Veesion must call)',
    );
  const hookUrl = hookUrlWithToken(s.VEESION_HOOK_URL, s.VEESION_HOOK_TOKEN);
  const configured = config.stores.map((st) => st.store_veesion_id);
  let report: HookReport;
  try {
    report = opts.dryRun
      ? planHooks(await veesionStoreIds(client), configured)
      : await reconcileHooks(client, configured, hookUrl);
  } catch (err) {
    throw new CliExit(EXIT.failure, `register-hooks: ${(err as Error).message}`);
  }
  const recorded = opts.dryRun ? undefined : await record(config, report);
  const verb = opts.dryRun ? 'would register' : 'registered';
  print(
    opts,
    [
      `hook URL: ${shownHookUrl(hookUrl)}`,
      `${verb}: ${report.registered.join(', ') || 'none'}`,
      ...report.failed.map((f) => `FAILED ${f.store}: ${f.error}`),
      ...(report.missingAtVeesion.length > 0
        ? [`configured but unknown to Veesion (check store_veesion_id): ${report.missingAtVeesion.join(', ')}`]
        : []),
      ...(report.notConfigured.length > 0
        ? [`Veesion stores not in x-hoppers.json: ${report.notConfigured.join(', ')}`]
        : []),
      ...(recorded ? [recorded] : []),
    ].join('\n'),
    { ok: report.failed.length === 0, dryRun: opts.dryRun === true, hookUrl: shownHookUrl(hookUrl), ...report },
  );
  if (report.failed.length > 0) throw new CliExit(EXIT.failure, `${report.failed.length} hook registration(s) failed`);
}

/**
 * Keeps the outcome for `stores`, in the journal the daemons share if there is one; a journal that
 * is not there yet is not an error.
 */
async function record(config: BridgeConfig, report: HookReport): Promise<string | undefined> {
  try {
    await withJournal(config, 'register-hooks', 'write', (db) => recordHookStates(db, hookStates(report, Date.now())));
    return undefined;
  } catch (err) {
    return `(hook state not recorded in the journal: ${(err as Error).message})`;
  }
}
