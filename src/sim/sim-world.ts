import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AmiSimulator } from './ami-sim';
import { XbeesSimulator, type XbeesSimOptions } from './xbees-sim';
import { KlaxonSimulator } from './klaxon-sim';
import { VideoSimulator } from './video-sim';
import { SpoolSimulator } from './spool-sim';
import { WildixPbxSimulator } from './wildix-pbx-sim';
import { SmartNotificationsSim } from './smart-notifications-sim';
import { WebhookReceiverSimulator } from './webhook-receiver-sim';
import { SqsSimulator } from './sqs-sim';
import { WildixEventsSender } from './wildix-events-sim';
import type { VideoFetchOptions } from '../chat/video-fetch';

export interface SimWorldOptions {
  /** Where the config files and the journal go. */
  dir: string;
  stores?: {
    store_veesion_id: string;
    name: string;
    audio_conf_id: string;
    xbees_channel_id: string;
    location?: string;
  }[];
  /** Extra env.custom.ini lines (KEY -> value), applied last. */
  settings?: Record<string, string>;
  /** x-bees with a PBX token and the users it knows (default: a bot token, the recommended set-up). */
  xbees?: XbeesSimOptions;
}

/**
 * Every external party of the bridge, simulated on loopback (port 0), plus the Wildix config
 * files that point the daemon at them. Used by `demo` and the integration tests.
 */
export class SimWorld {
  readonly amiSecret = `ami-${randomBytes(8).toString('hex')}`;
  readonly ami = new AmiSimulator({ username: 'veesion-bridge', secret: this.amiSecret });
  /** A bot token, the recommended set-up: posts carry no userId. */
  readonly xbees: XbeesSimulator;
  readonly klaxon: KlaxonSimulator;
  readonly video = new VideoSimulator();
  /** The PBX's other two ways in: its outgoing call spool and its local REST API. */
  readonly spool: SpoolSimulator;
  readonly pbxApi = new WildixPbxSimulator(`pbx-${randomBytes(12).toString('hex')}`);
  /** x-hoppers Smart Notifications on the PBX's API, and a stand-in of its state command. */
  readonly notifications: SmartNotificationsSim;
  readonly hookToken = `hook-${randomBytes(16).toString('hex')}`;
  /** Where integrations deliver: an integrator's webhook receiver, and Amazon SQS. */
  readonly receiver = new WebhookReceiverSimulator();
  readonly sqs = new SqsSimulator(`AKIA${randomBytes(8).toString('hex').toUpperCase()}`);
  readonly sqsSecretKey = `sqs-${randomBytes(16).toString('hex')}`;
  /** The PBX's webhook integration: signed chat, call and conference events to the daemon. */
  readonly wildix = new WildixEventsSender(`wildix-${randomBytes(16).toString('hex')}`);
  readonly stores;
  envFile = '';
  storesFile = '';
  httpPort = 0;

  constructor(private readonly opts: SimWorldOptions) {
    this.xbees = new XbeesSimulator(opts.xbees);
    this.stores = opts.stores ?? [
      {
        store_veesion_id: 'test-store-wildix',
        name: 'Wildix Test Store',
        audio_conf_id: '2',
        xbees_channel_id: 'chan-test-store',
        location: 'Trento',
      },
    ];
    this.spool = new SpoolSimulator(join(opts.dir, 'spool'));
    mkdirSync(opts.dir, { recursive: true });
    this.notifications = new SmartNotificationsSim('/api/v1/x-hoppers/smart-notifications', opts.dir);
    this.pbxApi.notifications = this.notifications;
    this.klaxon = new KlaxonSimulator(
      this.stores.map((s) => ({
        store_veesion_id: s.store_veesion_id,
        store_veesion_name: s.name,
        store_id: s.store_veesion_id,
      })),
      'bridge@example.com',
      `klaxon-${randomBytes(8).toString('hex')}`,
    );
  }

  async start(): Promise<this> {
    await Promise.all([
      this.ami.start(),
      this.xbees.start(),
      this.klaxon.start(),
      this.video.start(),
      this.pbxApi.start(),
      this.receiver.start(),
      this.sqs.start(),
    ]);
    this.spool.start();
    // Someone is on shift in every store's conference: an empty room would be escalated.
    for (const st of this.stores) this.ami.join(st.audio_conf_id, { callerIdNum: '200', callerIdName: 'Staff' });
    this.httpPort = await freePort();
    this.wildix.url = `http://127.0.0.1:${this.httpPort}/api/v1/wildix/events`;
    mkdirSync(this.opts.dir, { recursive: true });
    const settings: Record<string, string> = {
      VEESION_ALERT_ORIGIN: 'veesion',
      VEESION_ALERT_CHANNEL: 'Local/${audio_conf_id}@xhoppers-conf',
      VEESION_API_URL: this.klaxon.url,
      VEESION_USERNAME: this.klaxon.username,
      VEESION_PASSWORD: this.klaxon.password,
      VEESION_HOOK_URL: `http://127.0.0.1:${this.httpPort}/api/v1/veesion`,
      VEESION_HOOK_TOKEN: this.hookToken,
      BRIDGE_HTTP_HOST: '127.0.0.1',
      BRIDGE_HTTP_PORT: String(this.httpPort),
      BRIDGE_DATA_DIR: join(this.opts.dir, 'data'),
      BRIDGE_AMI_HOST: '127.0.0.1',
      BRIDGE_AMI_PORT: String(this.ami.port),
      BRIDGE_AMI_USERNAME: 'veesion-bridge',
      BRIDGE_AMI_SECRET: this.amiSecret,
      BRIDGE_SPOOL_DIR: this.spool.spoolDir,
      BRIDGE_WILDIX_API_URL: this.pbxApi.url,
      BRIDGE_WILDIX_API_TOKEN: this.pbxApi.token,
      // Used by the stores announced with Smart Notifications only (a store's delivery, or BRIDGE_ORIGINATOR).
      BRIDGE_SMART_NOTIFICATIONS_PATH: this.notifications.path,
      BRIDGE_XHOP_STATE_COMMAND: this.notifications.stateCommand,
      BRIDGE_XBEES_API_URL: this.xbees.url,
      BRIDGE_XBEES_TOKEN: this.xbees.token,
      BRIDGE_SQS_ENDPOINT: this.sqs.url,
      BRIDGE_SQS_REGION: this.sqs.region,
      BRIDGE_SQS_ACCESS_KEY_ID: this.sqs.accessKeyId,
      BRIDGE_SQS_SECRET_ACCESS_KEY: this.sqsSecretKey,
      BRIDGE_WILDIX_WEBHOOK_SECRET: this.wildix.secret,
      // Hooks are registered at start and on reload only (the cron fires on 29 February), so
      // counts of hook calls never depend on a run crossing a quarter hour.
      BRIDGE_HOOKS_CRON: '0 0 29 2 *',
      // Incidents repeat every 10 min here, so no test hears a repeat it did not ask for (the
      // incident tests set their own interval).
      BRIDGE_REPEAT_S: '600',
      // Likewise no escalation (and its chat follow-up) unless a test asks for one.
      BRIDGE_ESCALATE_AFTER_S: '3600',
      ...this.opts.settings,
    };
    this.envFile = join(this.opts.dir, 'env.custom.ini');
    this.storesFile = join(this.opts.dir, 'x-hoppers.json');
    writeFileSync(
      this.envFile,
      `${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    writeFileSync(this.storesFile, JSON.stringify({ stores: this.stores }, null, 2));
    return this;
  }

  /** Points the daemon's video fetcher at the video simulator, and only at it. */
  get videoSeams(): Pick<VideoFetchOptions, 'resolve' | 'addressAllowed' | 'ca'> {
    return {
      resolve: async (host) => (host === this.video.host ? ['127.0.0.1'] : []),
      addressAllowed: (ip) => ip === '127.0.0.1',
      ca: this.video.ca,
    };
  }

  async stop(): Promise<void> {
    this.spool.stop();
    this.notifications.stop();
    await Promise.all([
      this.ami.stop(),
      this.xbees.stop(),
      this.klaxon.stop(),
      this.video.stop(),
      this.pbxApi.stop(),
      this.receiver.stop(),
      this.sqs.stop(),
    ]);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
