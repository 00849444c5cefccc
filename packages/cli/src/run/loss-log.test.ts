import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLosses, reconcileLossLog } from './loss-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'diffusion-ts-loss-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('loss log', () => {
  it('appends rows under one header, and an unknown loss is an empty cell', () => {
    const path = join(dir, 'a.csv');
    appendLosses(path, 1, [0.5, 0.25]);
    appendLosses(path, 3, [NaN]);
    appendLosses(path, 4, []);
    assert.equal(readFileSync(path, 'utf8'), 'step,loss\n1,0.5\n2,0.25\n3,\n');
  });

  it('resuming cuts rows past the checkpoint and a torn last line', async () => {
    const path = join(dir, 'b.csv');
    appendLosses(path, 1, [1, 2, 3, 4]);
    appendFileSync(path, '5,0.12'); // killed mid-append
    assert.deepEqual(await reconcileLossLog(path, 3), { losses: [1, 2, 3], dropped: 1, filled: 0 });
    assert.equal(readFileSync(path, 'utf8'), 'step,loss\n1,1\n2,2\n3,3\n');
    appendLosses(path, 4, [9]);
    assert.equal(readFileSync(path, 'utf8'), 'step,loss\n1,1\n2,2\n3,3\n4,9\n', 'later rows carry their true step');
  });

  it('rows the log lacks (cut or deleted by hand) come back empty, so later steps keep their numbers', async () => {
    const path = join(dir, 'c.csv');
    writeFileSync(path, 'step,loss\n1,1\n3,3\ngarbage\n');
    assert.deepEqual(await reconcileLossLog(path, 4), { losses: [1, NaN, 3, NaN], dropped: 0, filled: 2 });
    assert.equal(readFileSync(path, 'utf8'), 'step,loss\n1,1\n2,\n3,3\n4,\n');
    const missing = join(dir, 'absent.csv');
    assert.deepEqual((await reconcileLossLog(missing, 2)).filled, 2);
    assert.deepEqual(await reconcileLossLog(join(dir, 'fresh.csv'), 0), { losses: [], dropped: 0, filled: 0 });
  });
});
