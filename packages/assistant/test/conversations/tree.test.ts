import { describe, expect, it } from 'vitest';
import {
  childrenOf,
  newestLeafUnder,
  pathTo,
  siblingsAlong,
  type TreeNode,
} from '../../src/conversations/tree.js';

// q1 → a1 → q2 → a2;  q1' (edit of q1) → a1' and a1'' (regenerated)
const nodes: TreeNode[] = [
  { id: 'q1', parentId: null, createdAt: 1 },
  { id: 'a1', parentId: 'q1', createdAt: 2 },
  { id: 'q2', parentId: 'a1', createdAt: 3 },
  { id: 'a2', parentId: 'q2', createdAt: 4 },
  { id: "q1'", parentId: null, createdAt: 5 },
  { id: "a1'", parentId: "q1'", createdAt: 6 },
  { id: "a1''", parentId: "q1'", createdAt: 7 },
];

describe('conversation tree', () => {
  it('walks from a leaf to the first message', () => {
    expect(pathTo(nodes, 'a2').map((n) => n.id)).toEqual(['q1', 'a1', 'q2', 'a2']);
    expect(pathTo(nodes, "a1''").map((n) => n.id)).toEqual(["q1'", "a1''"]);
    expect(pathTo(nodes, null)).toEqual([]);
    expect(pathTo(nodes, 'unknown')).toEqual([]);
  });

  it('lists versions oldest first and lands a branch switch on the newest continuation', () => {
    expect(
      childrenOf(nodes)
        .get(null)!
        .map((n) => n.id),
    ).toEqual(['q1', "q1'"]);
    const path = pathTo(nodes, "a1''");
    expect([...siblingsAlong(nodes, path)]).toEqual([
      ["q1'", ['q1', "q1'"]],
      ["a1''", ["a1'", "a1''"]],
    ]);
    expect(newestLeafUnder(nodes, 'q1')).toBe('a2');
    expect(newestLeafUnder(nodes, "q1'")).toBe("a1''");
    expect(newestLeafUnder(nodes, 'a2')).toBe('a2');
  });

  it('stops on a cycle instead of looping', () => {
    const cyclic: TreeNode[] = [
      { id: 'x', parentId: 'y', createdAt: 1 },
      { id: 'y', parentId: 'x', createdAt: 2 },
    ];
    expect(pathTo(cyclic, 'x').length).toBeLessThanOrEqual(3);
    expect(['x', 'y']).toContain(newestLeafUnder(cyclic, 'x'));
  });
});
