import { arityOk } from '../commands/command.js';
import { errors } from '../errors.js';
import { decodeReplies, ErrorReply, type ReplyValue } from '../protocol/reply.js';
import { Client } from './client.js';
import type { CacheEngine } from './engine.js';

/**
 * Runs commands from inside the process, the way a script (EVAL) does in Redis: a
 * connection-less client that cannot block (blocking commands answer as if timed out), replies
 * decoded to values. `noscript` commands (MULTI, SUBSCRIBE, BGSAVE...) are refused.
 */
export class InProcessCaller {
  readonly client: Client;

  constructor(private readonly engine: CacheEngine) {
    this.client = new Client(engine, null);
    this.client.authenticated = true;
  }

  /** Selects the database the next commands run in. */
  select(db: number): void {
    const target = this.engine.dbs[db];
    if (!target) throw new Error(errors.dbIndex);
    this.client.db = target;
  }

  call(argv: readonly (string | Buffer)[]): ReplyValue {
    const args = argv.map((arg) => (typeof arg === 'string' ? arg : arg.toString('latin1')));
    const spec = args.length > 0 ? this.engine.lookupCommand(args[0]!) : undefined;
    if (!spec) return new ErrorReply(errors.unknownCommand(args[0] ?? '', args.slice(1)));
    if (!arityOk(spec.arity, args.length)) return new ErrorReply(errors.arity(spec.name));
    if (spec.flags.includes('noscript'))
      return new ErrorReply('ERR This Redis command is not allowed from script');
    if (this.engine.memoryGuard !== null && spec.flags.includes('denyoom') && !this.engine.memoryGuard())
      return new ErrorReply(errors.oom);
    this.engine.call(this.client, spec, args);
    const reply = decodeReplies(this.client.writer.take())[0] ?? null;
    this.engine.serveReadyKeysIfAny();
    return reply;
  }
}
