import type { Deps } from '../app/deps.js';
import type { CredentialService } from '../credentials/credentialService.js';
import { handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { RecordedEvent } from '../ledger/eventStore.js';
import { NotFound } from '../errors.js';
import { compromiseDecider, compromiseStream } from './compromise.js';
import { credentialAt } from './credentialAt.js';
import { redactSecrets } from './redact.js';

export interface HistoryFilter {
  from?: Date;
  to?: Date;
  types?: string[];
  /** Exclusive position cursor from the previous page. */
  after?: number;
  limit: number;
}

export interface HistoryPage {
  events: Array<Record<string, unknown>>;
  /** Cursor for the next page; null at the end. */
  next: number | null;
}

interface LineageRow {
  id: string;
  parent_id: string | null;
  family_id: string | null;
  kind: string;
  status: string;
  issued_at: string;
}

export function presentEvent(e: RecordedEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: e.type,
    stream: e.stream,
    recordedAt: e.recordedAt.toISOString(),
    revision: Number(e.revision),
    position: Number(e.position),
    actor: e.metadata.actor,
    correlationId: e.metadata.correlationId,
    data: redactSecrets(e.data),
  };
}

/** Auditors' questions: history, state at an instant, lineage, and compromise handling. */
export class AuditService {
  private readonly stmt;

  constructor(
    private readonly deps: Deps,
    private readonly credentials: CredentialService,
  ) {
    const columns = 'id, parent_id, family_id, kind, status, issued_at';
    this.stmt = {
      subjectStreams: deps.db.prepare('SELECT DISTINCT stream FROM credentials WHERE subject = ? OR subject = ?'),
      byId: deps.db.prepare(`SELECT ${columns} FROM credentials WHERE id = ?`),
      children: deps.db.prepare(`SELECT ${columns} FROM credentials WHERE (parent_id = ? OR family_id = ?) AND id <> ? ORDER BY issued_at, id`),
    };
  }

  private async credentialEvents(id: string): Promise<RecordedEvent[]> {
    const row = await this.credentials.lookup(id);
    if (!row) throw new NotFound('Unknown credential');
    const events = await this.deps.store.readStream(row.stream);
    const compromise = await this.deps.store.readStream(compromiseStream(id));
    return [...events, ...compromise]
      .filter((e) => (e.data as { credentialId?: string }).credentialId === id)
      .sort((a, b) => (a.position < b.position ? -1 : 1));
  }

  async credentialHistory(id: string, filter: HistoryFilter): Promise<HistoryPage> {
    return page(await this.credentialEvents(id), filter);
  }

  /** Everything about a subject: its own stream (user, entity, application, consumer) and its credentials' streams. */
  async subjectHistory(subject: string, filter: HistoryFilter): Promise<HistoryPage> {
    const fromCredentials = this.stmt.subjectStreams.all(subject, subject.replace(/^[a-z]+:/, '')) as Array<{ stream: string }>;
    const streams = new Set<string>([
      ...fromCredentials.map((r) => r.stream),
      `user-${subject}`,
      `entity-${subject}`,
      `application-${subject}`,
      `client-${subject}`,
    ]);
    if (subject.startsWith('consumer-')) streams.add(subject);
    const all = (await Promise.all([...streams].map((s) => this.deps.store.readStream(s)))).flat();
    if (all.length === 0) throw new NotFound('No history for this subject');
    return page(all.sort((a, b) => (a.position < b.position ? -1 : 1)), filter);
  }

  async credentialAt(id: string, at: Date) {
    return credentialAt(id, await this.credentialEvents(id), at);
  }

  /** Ancestors (parent, grandparent, ...) and all descendants, from the credentials read model. */
  lineage(id: string): { credentialId: string; ancestors: LineageRow[]; descendants: LineageRow[] } {
    const { byId, children } = this.stmt;
    const self = byId.get(id) as LineageRow | undefined;
    if (!self) throw new NotFound('Unknown credential');
    const ancestors: LineageRow[] = [];
    const seen = new Set([id]);
    for (let p = self.parent_id ?? (self.family_id !== self.id ? self.family_id : null); p && !seen.has(p); ) {
      seen.add(p);
      const row = byId.get(p) as LineageRow | undefined;
      if (!row) break;
      ancestors.push(row);
      p = row.parent_id;
    }
    const descendants: LineageRow[] = [];
    const queue = [id];
    while (queue.length) {
      const current = queue.shift()!;
      for (const child of children.all(current, current, current) as LineageRow[]) {
        if (seen.has(child.id)) continue;
        seen.add(child.id);
        descendants.push(child);
        queue.push(child.id);
      }
    }
    return { credentialId: id, ancestors, descendants };
  }

  /**
   * Records when a credential was compromised (apart from when it is revoked), then revokes it and
   * everything descended from it. Returns what it revoked.
   */
  async compromise(id: string, compromisedAt: Date, ctx: CommandContext): Promise<{ compromisedAt: string; revoked: string[] }> {
    const { descendants } = this.lineage(id);
    const result = await handleCommand(
      this.deps.store,
      compromiseStream(id),
      compromiseDecider,
      { type: 'ReportCompromise', credentialId: id, compromisedAt, reportedAt: this.deps.clock.now(), descendants: descendants.map((d) => d.id) },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
    const revoked: string[] = [];
    for (const target of [id, ...descendants.map((d) => d.id)]) {
      const row = await this.credentials.lookup(target);
      if (!row || row.status !== 'active') continue;
      await this.credentials.revoke(target, 'compromised', ctx);
      revoked.push(target);
    }
    return { compromisedAt: compromisedAt.toISOString(), revoked };
  }
}

function page(events: RecordedEvent[], f: HistoryFilter): HistoryPage {
  const matching = events.filter(
    (e) =>
      (!f.from || e.recordedAt >= f.from) &&
      (!f.to || e.recordedAt <= f.to) &&
      (!f.types || f.types.includes(e.type)) &&
      (f.after === undefined || Number(e.position) > f.after),
  );
  const slice = matching.slice(0, f.limit);
  const more = matching.length > f.limit;
  return { events: slice.map(presentEvent), next: more ? Number(slice[slice.length - 1]!.position) : null };
}
