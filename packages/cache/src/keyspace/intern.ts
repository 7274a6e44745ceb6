/**
 * One shared string per field name. A job queue writes the same few names (`name`, `data`,
 * `timestamp`, `event`, `jobId`...) into every job hash and every event-stream entry, and the
 * same few values into the events (`added`, `waiting`, `completed`, the job's name); each request
 * decodes them as fresh strings: stored as they are, a copy of each per job would live as long
 * as the job, and surviving young-generation collections is what V8 charges for. Hash values are
 * not shared (mostly distinct); stream values are, the distinct ones (job IDs) only cycling the
 * table.
 *
 * Only names shorter than 13 chars are kept: V8 copies those out of the request, where a longer
 * substring would be a slice keeping its whole request block alive for as long as the table does.
 * The table is emptied when full, so a workload of ever-new names cannot grow it.
 */
const MAX_NAME_LENGTH = 12;
const MAX_NAMES = 4096;
const names = new Map<string, string>();

/** The shared copy of a field name (itself, the first time it is seen or when too long). */
export function internName(name: string): string {
  if (name.length > MAX_NAME_LENGTH) return name;
  const known = names.get(name);
  if (known !== undefined) return known;
  if (names.size >= MAX_NAMES) names.clear();
  names.set(name, name);
  return name;
}
