/** The shape of a message that matters for walking the tree. */
export interface TreeNode {
  id: string;
  parentId: string | null;
  /** Milliseconds; ties are broken by id (UUIDv7, so also by creation order). */
  createdAt: number;
}

function byAge(a: TreeNode, b: TreeNode): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Children of each message, oldest first; the roots (first messages of each branch) under `null`. */
export function childrenOf(nodes: readonly TreeNode[]): Map<string | null, TreeNode[]> {
  const children = new Map<string | null, TreeNode[]>();
  for (const node of [...nodes].sort(byAge)) {
    const siblings = children.get(node.parentId);
    if (siblings) siblings.push(node);
    else children.set(node.parentId, [node]);
  }
  return children;
}

/** The messages from the first one down to `leafId`, in reading order; empty when the leaf is unknown. */
export function pathTo(nodes: readonly TreeNode[], leafId: string | null): TreeNode[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const path: TreeNode[] = [];
  let current = leafId === null ? undefined : byId.get(leafId);
  // The bound guards against a cycle, which the schema cannot forbid on its own.
  while (current && path.length <= nodes.length) {
    path.push(current);
    current = current.parentId === null ? undefined : byId.get(current.parentId);
  }
  return path.reverse();
}

/**
 * The leaf a branch switch lands on: from `id`, follow the newest child down to the end, so
 * choosing an older version of a message shows that version's latest continuation.
 */
export function newestLeafUnder(nodes: readonly TreeNode[], id: string): string {
  const children = childrenOf(nodes);
  let current = id;
  for (let depth = 0; depth <= nodes.length; depth++) {
    const next = children.get(current)?.at(-1);
    if (!next) break;
    current = next.id;
  }
  return current;
}

/** For each message on the path, the ids of its versions (itself and its siblings), oldest first. */
export function siblingsAlong(nodes: readonly TreeNode[], path: readonly TreeNode[]): Map<string, string[]> {
  const children = childrenOf(nodes);
  return new Map(
    path.map((node) => [node.id, (children.get(node.parentId) ?? [node]).map((sibling) => sibling.id)]),
  );
}
