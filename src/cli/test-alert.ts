import axios, { type AxiosResponse } from 'axios';
import { randomUUID } from 'node:crypto';
import { ALERT_PATH } from '../http/ingress';
import { buildTestAlert } from '../pipeline/test-alert';
import { CliExit, EXIT } from './exit-codes';
import { configFor, print, receiverBase, receiverRequest, type GlobalOptions } from './context';

export interface TestAlertOptions extends GlobalOptions {
  store: string;
  camera?: string;
  type?: string;
  video?: string;
}

/** Sends an alert to the running daemon's own receiver with its token: the full path. */
export async function testAlert(opts: TestAlertOptions): Promise<void> {
  const config = configFor(opts);
  const s = config.settings;
  if (!config.stores.some((st) => st.store_veesion_id === opts.store)) {
    process.stderr.write(
      `warning: store "${opts.store}" is not in ${config.files.stores}; the alert will be kept as unroutable\n`,
    );
  }
  const url = `${receiverBase(s)}${ALERT_PATH}`;
  const payload = buildTestAlert(
    randomUUID(),
    { storeId: opts.store, cameraId: opts.camera, alertType: opts.type, videoUrl: opts.video },
    Date.now(),
  );
  let res: AxiosResponse;
  try {
    // The token goes in a header, not the URL, so it never lands in an access log.
    const { httpsAgent } = receiverRequest(s);
    res = await axios.post(url, payload, {
      headers: { 'X-Pbx-Token': s.VEESION_HOOK_TOKEN },
      httpsAgent,
      timeout: 10_000,
      validateStatus: () => true,
    });
  } catch (err) {
    throw new CliExit(EXIT.failure, `cannot reach the daemon at ${url}: ${(err as Error).message} (is it running?)`);
  }
  const body = res.data as { status?: string; alertId?: string; error?: string };
  if (res.status !== 200)
    throw new CliExit(EXIT.failure, `daemon answered ${res.status}: ${body.error ?? JSON.stringify(body)}`);
  print(opts, `alert ${body.alertId} ${body.status} by ${url}`, { ok: true, status: res.status, ...body });
}
