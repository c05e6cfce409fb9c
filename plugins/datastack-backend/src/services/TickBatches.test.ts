import { mockCredentials } from '@backstage/backend-test-utils';
import { TickBatches } from './TickBatches';

describe('TickBatches', () => {
  const alice = mockCredentials.user('user:default/alice');

  it("sends one caller's questions of one turn together, in order, and the next turn's apart", async () => {
    const send = jest.fn(async (questions: number[]) =>
      questions.map(q => q * 10),
    );
    const batches = new TickBatches(send, 'the doubler');
    expect(
      await Promise.all([1, 2, 3].map(q => batches.ask('alice', alice, q))),
    ).toEqual([10, 20, 30]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith([1, 2, 3], alice);
    expect(await batches.ask('alice', alice, 4)).toBe(40);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('rejects the questions left unanswered, naming who answered too few, and every question when sending fails or answers no list', async () => {
    const short = new TickBatches(async () => ['only one'], 'the catalog');
    const settled = await Promise.allSettled([
      short.ask('alice', alice, 'a'),
      short.ask('alice', alice, 'b'),
    ]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'only one' });
    expect(settled[1]).toEqual({
      status: 'rejected',
      reason: new Error('the catalog answered too few'),
    });

    const throwing = new TickBatches<string, string>(() => {
      throw new Error('no connection');
    }, 'the catalog');
    await expect(
      Promise.all([
        throwing.ask('alice', alice, 'a'),
        throwing.ask('alice', alice, 'b'),
      ]),
    ).rejects.toThrow('no connection');

    // A malformed answer (no list, not even a promise) fails every question.
    const malformed = new TickBatches<string, string>(
      () => undefined as unknown as Promise<string[]>,
      'the permission framework',
    );
    const answers = await Promise.allSettled([
      malformed.ask('alice', alice, 'a'),
      malformed.ask('alice', alice, 'b'),
    ]);
    expect(answers).toEqual([
      {
        status: 'rejected',
        reason: new Error('the permission framework did not answer a list'),
      },
      {
        status: 'rejected',
        reason: new Error('the permission framework did not answer a list'),
      },
    ]);
  });
});
