import { isAxiosError } from 'axios';
import { StepError, type FailureKind } from '../pipeline/step-error';

/**
 * Turns an axios failure into a StepError of the right kind: timeouts and network errors are
 * retried, 401/403 are auth, 400/404/413/422 are bad input (not retried), other statuses are
 * rejections. The message names the service, the action and the status, never the request
 * (it carries tokens).
 */
export function httpStepError(service: { name: string; code: string }, what: string, err: unknown): StepError {
  if (!isAxiosError(err))
    return new StepError(`${service.code}_ERROR`, 'internal', `${service.name} ${what}: ${String(err)}`, {
      cause: err,
    });
  const status = err.response?.status;
  let kind: FailureKind = 'connection';
  if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') kind = 'timeout';
  else if (status === 401 || status === 403) kind = 'auth';
  else if (status === 400 || status === 404 || status === 413 || status === 422) kind = 'bad-input';
  else if (status !== undefined) kind = 'rejected';
  return new StepError(
    `${service.code}_${status ?? err.code ?? 'ERROR'}`,
    kind,
    `${service.name} ${what} failed: ${status ?? err.code ?? err.message}`,
  );
}
