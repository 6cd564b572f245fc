import { OriginatorChain } from '../../../src/pipeline/originator-chain';
import type { CallOriginator, OriginateRequest } from '../../../src/pipeline/ports';
import { StepError, type FailureKind } from '../../../src/pipeline/step-error';

const request = {} as OriginateRequest;
const failing = (kind: FailureKind, calls: string[], name: string): CallOriginator => ({
  originate: async () => {
    calls.push(name);
    throw new StepError(`${name.toUpperCase()}_DOWN`, kind, `${name} says ${kind}`);
  },
});
const working = (calls: string[], name: string): CallOriginator => ({
  originate: async () => {
    calls.push(name);
    return { channel: `${name}-chan` };
  },
});

describe('OriginatorChain (BRIDGE_ORIGINATOR as a list)', () => {
  it.each(['connection', 'timeout', 'auth'] as const)('falls through to the next originator on %s', async (kind) => {
    const calls: string[] = [];
    const chain = new OriginatorChain([
      { name: 'ami', originator: failing(kind, calls, 'ami') },
      { name: 'callfile', originator: working(calls, 'callfile') },
    ]);
    await expect(chain.originate(request)).resolves.toEqual({ channel: 'callfile-chan', via: 'callfile' });
    expect(calls).toEqual(['ami', 'callfile']);
  });

  it('does not place the call elsewhere when the PBX refused it', async () => {
    const calls: string[] = [];
    const chain = new OriginatorChain([
      { name: 'ami', originator: failing('rejected', calls, 'ami') },
      { name: 'callfile', originator: working(calls, 'callfile') },
    ]);
    await expect(chain.originate(request)).rejects.toMatchObject({ code: 'AMI_DOWN', kind: 'rejected' });
    expect(calls).toEqual(['ami']);
  });

  it("when every originator fails, names each failure and keeps the last one's kind", async () => {
    const calls: string[] = [];
    const chain = new OriginatorChain([
      { name: 'ami', originator: failing('connection', calls, 'ami') },
      { name: 'wildix-api', originator: failing('timeout', calls, 'wildix-api') },
    ]);
    await expect(chain.originate(request)).rejects.toMatchObject({
      kind: 'timeout',
      message: 'ami: ami says connection; wildix-api: wildix-api says timeout',
    });
  });

  it('a single originator is passed through untouched', async () => {
    const calls: string[] = [];
    const chain = new OriginatorChain([{ name: 'ami', originator: working(calls, 'ami') }]);
    await expect(chain.originate(request)).resolves.toEqual({ channel: 'ami-chan' });
  });
});
