import type { TaskEvent } from '../../src/tasks/index.js';

/** Every event of a task's watch, to its end. */
export async function collect(events: AsyncIterable<TaskEvent>): Promise<TaskEvent[]> {
  const seen: TaskEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}
