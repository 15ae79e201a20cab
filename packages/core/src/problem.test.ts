import { describe, expect, it } from 'vitest';
import { defineProblem, Problem, problemCatalogue } from './problem.ts';

describe('problem catalogue', () => {
  it('a defined problem carries its code, status, title and type, and is listed in the catalogue', () => {
    class TestOnlyGone extends defineProblem({ code: 'test_only_gone', status: 410, title: 'Gone' }) {
      constructor() {
        super({ detail: 'It is gone.', extensions: { since: '2026-01-01' } });
      }
    }
    const p = new TestOnlyGone();
    expect(p).toBeInstanceOf(Problem);
    expect([p.code, p.status, p.title, p.detail]).toEqual(['test_only_gone', 410, 'Gone', 'It is gone.']);
    expect(p.type).toBe('https://teilhabekarte.de/problems/test-only-gone');
    expect(problemCatalogue()).toContainEqual({ code: 'test_only_gone', status: 410, title: 'Gone' });
  });

  it('the same code cannot be defined twice, not even with the same status', () => {
    defineProblem({ code: 'test_only_twice', status: 409, title: 'Conflict' });
    expect(() => defineProblem({ code: 'test_only_twice', status: 409, title: 'Conflict' })).toThrow(/defined twice/);
    expect(() => defineProblem({ code: 'test_only_twice', status: 403, title: 'Forbidden' })).toThrow(/defined twice/);
  });
});
