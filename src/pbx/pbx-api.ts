import axios, { isAxiosError, type AxiosInstance } from 'axios';
import { z } from 'zod';
import { StepError } from '../pipeline/step-error';
import { httpStepError } from '../http/client-errors';

/** The PBX's own REST API (WMS): a company key as Bearer, no redirects followed. */
export function pbxApiClient(baseUrl: string, token: string, timeoutMs: number): AxiosInstance {
  return axios.create({
    baseURL: baseUrl,
    timeout: timeoutMs,
    headers: { Authorization: `Bearer ${token}` },
    maxRedirects: 0,
  });
}

const refusal = z.looseObject({ type: z.literal('error'), reason: z.string().max(500) });

/** A request the API refused with a status still says why, when the API said so in its `{"type":"error","reason"}` answer. */
export function pbxApiError(service: { name: string; code: string }, what: string, err: unknown): StepError {
  const failed = httpStepError(service, what, err);
  const said = isAxiosError(err) ? refusal.safeParse(err.response?.data) : undefined;
  if (!said?.success) return failed;
  return new StepError(failed.code, failed.kind, `${failed.message}: ${said.data.reason}`, { cause: failed });
}
