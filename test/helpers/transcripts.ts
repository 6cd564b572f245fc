import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './paths';

export interface TranscriptLine {
  t: number;
  dir: 'client' | 'server';
  data: string;
}

/** A recorded AMI session from fixtures/ami. */
export const transcript = (name: string): TranscriptLine[] =>
  readFileSync(join(FIXTURES, 'ami', name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TranscriptLine);
