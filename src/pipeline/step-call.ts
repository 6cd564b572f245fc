/** A call in flight, as the journal keeps it: whoever resumes the step knows whether it was heard. */
export interface StepCall {
  token: string;
  state: 'calling' | 'answered';
  /** The answered channel (null while calling). */
  channel: string | null;
}
