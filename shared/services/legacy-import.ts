import type { Readable } from 'node:stream';
import { type Options as CsvOptions, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { objectionInstantMs } from '../domain/decide';
import { inParallel } from '../domain/in-parallel';
import {
  type Classification,
  classifyLegacyRow,
  LEGACY_OUTCOMES,
  type LegacyOutcome,
  type LegacyRow,
  legacyRowHash,
} from '../domain/legacy-import';
import { recipientKey } from '../domain/recipient-key';
import { addDays, recordTtl, retentionEnd, ttlOf } from '../domain/retention';
import {
  type AuditAppend,
  type FreshCommit,
  type GatewayStore,
  NotFoundError,
  type RecipientItemWrite,
  recordedEventRef,
  type StateWrite,
} from '../ports/gateway-store';
import type { KeyMaterial } from '../ports/key-ring';
import type { TenantStore } from '../ports/tenant-store';
import { MAX_API_IMPORT_ROWS } from '../schemas/api';
import type { Actor, AuditEvent } from '../schemas/audit';
import type { ConsentRecord, RecipientProfile, RecipientState } from '../schemas/recipient';
import type { Tenant } from '../schemas/tenant';
import { InvalidInputError } from '../schemas/validation';
import type { Caller, Dependencies } from './dependencies';
import { actorOf } from './record-change';
import { applyRetention } from './retention';

/**
 * R16: the imperative shell around classifyLegacyRow. Rows are classified, checked
 * against what the store already holds (batched reads per batch, never one per row), and
 * committed with deterministic ids (R15: each recipient's items and events in one
 * transaction), so that a re-run (after a store failure, or twice by mistake) finds the
 * rows already imported by their markers and writes nothing for them.
 */
export interface ImportedRow {
  readonly row: LegacyRow;
  readonly outcome: LegacyOutcome;
  readonly reason?: string;
}

export type InventoryCounts = Record<LegacyOutcome, number>;

export function emptyCounts(): InventoryCounts {
  return Object.fromEntries(LEGACY_OUTCOMES.map((o) => [o, 0])) as InventoryCounts;
}

const SOURCE = 'legacy-import';

/** Rows classified, read and written together: one batched read and batched writes per batch. */
const BATCH_SIZE = 500;

/** Who wrote an imported item, for its audit event: the command line, or an admin key through the API. */
export type ImportActor = Actor;
const COMMAND_LINE: ImportActor = { type: 'system', id: SOURCE };

/** R15: an imported change's audit event; id and time come from the row, so a re-run rewrites the same item. */
function importAudit(
  type: AuditEvent['type'],
  outcome: LegacyOutcome,
  at: string,
  hash: string,
  purpose: string,
  actor: ImportActor,
): AuditEvent {
  return {
    id: `import-${hash}`,
    at,
    type,
    actor,
    why: `R16: legacy import, ${outcome}`,
    data: { source: SOURCE, outcome, purpose, rowHash: hash },
  };
}

/** Whether the store held anything about the recipient before this batch. */
function known(state: RecipientState): boolean {
  return (
    state.profile !== undefined ||
    Object.keys(state.consents).length > 0 ||
    state.objections.length > 0 ||
    state.suppressions.length > 0
  );
}

type ImportDeps = { store: GatewayStore; tenants: TenantStore; keys: KeyMaterial };

/** Classifies and writes one batch; returns each row's outcome in order. */
export function importLegacyBatch(
  deps: ImportDeps,
  tenant: Tenant,
  rows: readonly LegacyRow[],
  now: Date,
  actor: ImportActor = COMMAND_LINE,
): Promise<ImportedRow[]> {
  return importRows(deps, tenant, rows, now, actor, true);
}

/** Recipients per batched read of their states (7 keys or more each, 100 keys a call). */
const STATE_READ_RECIPIENTS = 14;
/** Batched reads of states in flight at once. */
const STATE_READS_IN_FLIGHT = 8;

/**
 * `groupFresh`: recipients the read found empty are committed several per transaction
 * (commitFreshRecipients); the rows of those someone wrote meanwhile are imported again
 * with `groupFresh` false: read again, classified again, and committed one recipient at a
 * time through the chain (commitChanges reads the tip and merges what is stored).
 */
async function importRows(
  deps: ImportDeps,
  tenant: Tenant,
  rows: readonly LegacyRow[],
  now: Date,
  actor: ImportActor,
  groupFresh: boolean,
): Promise<ImportedRow[]> {
  const at = now.toISOString();
  const classified = rows.map((row) => {
    const c = classifyLegacyRow(tenant, row, now);
    const key =
      c.outcome === 'invalid'
        ? undefined
        : recipientKey(deps.keys.hashKey, tenant.id, c.channel, c.normalizedAddress);
    return { row, c, key, hash: legacyRowHash(tenant.id, row) };
  });

  // R16, a re-run adds nothing: the cheap check first, one key per row (the marker of the
  // row's event, `import-<row hash>`). A row found recorded writes nothing and needs no read.
  const refOf = (key: string, hash: string) => ({ recipientKey: key, eventId: `import-${hash}` });
  const recorded = await deps.store.recordedEvents(
    tenant.id,
    classified.flatMap(({ c, key, hash }) =>
      key === undefined || c.outcome === 'invalid' || c.outcome === 'expired' ? [] : [refOf(key, hash)],
    ),
  );
  const isRecorded = (key: string, hash: string) => recorded.has(recordedEventRef(refOf(key, hash)));

  // What the store already holds about the others: batched reads (R11), several in flight.
  const purposesByKey = new Map<string, Set<string>>();
  for (const { c, key, hash } of classified) {
    if (key === undefined || c.outcome === 'invalid' || c.outcome === 'expired' || isRecorded(key, hash))
      continue;
    const set = purposesByKey.get(key) ?? new Set<string>();
    set.add(c.purpose.id);
    purposesByKey.set(key, set);
  }
  const requests = [...purposesByKey].map(([k, p]) => ({ recipientKey: k, purposes: [...p] }));
  const states = new Map<string, RecipientState>();
  const chunks: (typeof requests)[] = [];
  for (let i = 0; i < requests.length; i += STATE_READ_RECIPIENTS)
    chunks.push(requests.slice(i, i + STATE_READ_RECIPIENTS));
  await inParallel(chunks, STATE_READS_IN_FLIGHT, async (chunk) => {
    for (const [k, state] of await deps.store.getRecipientStates(tenant.id, chunk)) states.set(k, state);
  });
  // Oppositions in this very batch count too, whatever the order of the rows.
  const bouncedNow = new Set<string>();
  const objectedNow = new Set<string>();
  for (const { c, key } of classified) {
    if (key && c.outcome === 'bounced') bouncedNow.add(key);
    if (key && c.outcome === 'opted_out') objectedNow.add(key);
  }

  const writes: RecipientItemWrite[] = [];
  const profiles = new Map<string, RecipientProfile>();
  const newConsents = new Map<string, Record<string, ConsentRecord>>();
  const objectedIds = new Set<string>();
  const results: ImportedRow[] = [];
  for (const { row, c, key, hash } of classified) {
    if (c.outcome === 'invalid' || key === undefined) {
      results.push({ row, outcome: 'invalid', reason: c.outcome === 'invalid' ? c.reason : undefined });
      continue;
    }
    if (c.outcome !== 'expired' && isRecorded(key, hash)) {
      // Imported by an earlier run, as what it was then: the same counts, nothing written.
      results.push(
        c.outcome === 'bounced' || c.outcome === 'opted_out' ? { row, outcome: c.outcome } : resultOf(row, c),
      );
      continue;
    }
    const state = states.get(key);
    const existingBounce = bouncedNow.has(key) || state?.suppressions.some((s) => s.reason === 'bounce');
    const existingObjection =
      objectedNow.has(key) ||
      state?.suppressions.some((s) => s.reason === 'complaint') ||
      state?.objections.some(
        (o) => o.scope.type === 'channel' || (o.scope.type === 'purpose' && o.scope.purpose === c.purpose.id),
      );

    if (c.outcome === 'bounced') {
      // R8: suppressed; an existing bounce entry is kept as it is, and so is its proof.
      if (!state?.suppressions.some((s) => s.reason === 'bounce')) {
        writes.push({
          kind: 'suppression',
          recipientKey: key,
          suppression: { reason: 'bounce', at: c.at, source: SOURCE, recordedAt: at },
        });
        writes.push({
          kind: 'audit',
          recipientKey: key,
          event: importAudit('suppression.recorded', 'bounced', c.at, hash, c.purpose.id, actor),
        });
      }
      results.push({ row, outcome: 'bounced' });
      continue;
    }
    if (c.outcome === 'opted_out') {
      // R11: an objection to all marketing on the channel, with a deterministic id; a re-run
      // finds it and writes nothing (its time may come from the run when the row has none).
      const id = `import-${hash}`;
      if (!state?.objections.some((o) => o.id === id) && !objectedIds.has(id)) {
        objectedIds.add(id);
        const latest = state?.objections.find((o) => o.scope.type === 'channel');
        const objection = {
          id,
          scope: { type: 'channel' as const },
          at: c.at,
          method: 'request_to_controller' as const,
          source: SOURCE,
          recordedAt: at,
        };
        writes.push({
          kind: 'objection',
          recipientKey: key,
          objection,
          // R7: as instants, when each took hold (the store's scope item compares the same way).
          latestOfScope: latest === undefined || objectionInstantMs(latest) <= objectionInstantMs(objection),
        });
        writes.push({
          kind: 'audit',
          recipientKey: key,
          event: importAudit('objection.recorded', 'opted_out', c.at, hash, c.purpose.id, actor),
        });
      }
      results.push({ row, outcome: 'opted_out' });
      continue;
    }
    if (c.outcome === 'expired') {
      // R9: purged; nothing about the person is written.
      results.push({ row, outcome: 'expired', reason: c.reason });
      continue;
    }
    // An address already suppressed or objected stays so (R8, R11): nothing is written for it.
    if (existingBounce) {
      results.push({ row, outcome: 'bounced', reason: 'already suppressed' });
      continue;
    }
    if (existingObjection) {
      results.push({ row, outcome: 'opted_out', reason: 'already objected' });
      continue;
    }

    const previous = profiles.get(key) ?? state?.profile;
    const purchases = [...(previous?.purchases ?? [])];
    const purchase =
      c.outcome === 'needs_repermission' || c.outcome === 'soft_opt_in' ? c.purchase : undefined;
    if (
      purchase &&
      !purchases.some(
        (p) => p.productFamily === purchase.productFamily && Date.parse(p.at) === Date.parse(purchase.at),
      )
    ) {
      purchases.push({ ...purchase, ref: `import-${hash}` });
    }
    // As instants (RULES.md "Time"): a stored date may carry the offset it was written with.
    const lastActivityAt = [previous?.lastActivityAt, c.lastActivityAt]
      .filter((d): d is string => d !== undefined)
      .sort((a, b) => Date.parse(a) - Date.parse(b))
      .pop();
    const profile: RecipientProfile = {
      channel: c.channel,
      address: c.normalizedAddress,
      audience: previous?.audience ?? 'consumer',
      collection:
        c.outcome === 'soft_opt_in'
          ? {
              at: c.purchase.at,
              source: SOURCE,
              duringSale: true,
              informed: true,
              optOutOffered: true,
            }
          : previous?.collection,
      purchases,
      professionalTopics: previous?.professionalTopics ?? [],
      lastActivityAt,
      // R13: marked once, and kept marked until a consent page records a new consent.
      needsRepermission: (previous?.needsRepermission ?? false) || c.outcome === 'needs_repermission',
      updatedAt: previous?.updatedAt ?? at,
    };
    profiles.set(key, profile);
    // The row's own date: the same on every run, so its audit event is the same item.
    const rowAt = c.outcome === 'soft_opt_in' ? c.purchase.at : (c.lastActivityAt ?? at);
    if (c.outcome === 'migrated_consent') {
      if (state?.consents[c.purpose.id] === undefined) {
        // A consent the store already holds (given through the gateway, or withdrawn) is never overwritten.
        const grant = { ...c.grant, id: `import-${hash}`, recordedAt: at };
        writes.push({ kind: 'consent', recipientKey: key, purpose: c.purpose.id, grant });
        const added = newConsents.get(key) ?? {};
        added[c.purpose.id] = { purpose: c.purpose.id, grant };
        newConsents.set(key, added);
        writes.push({
          kind: 'audit',
          recipientKey: key,
          event: importAudit('consent.given', c.outcome, c.grant.givenAt ?? rowAt, hash, c.purpose.id, actor),
        });
      } else {
        // R15: the profile it merges into is a change too, with its event (the row's id: a
        // re-run finds it recorded, whichever event the first run wrote for the row).
        writes.push({
          kind: 'audit',
          recipientKey: key,
          event: importAudit('profile.updated', c.outcome, rowAt, hash, c.purpose.id, actor),
        });
      }
    } else {
      writes.push({
        kind: 'audit',
        recipientKey: key,
        event: importAudit('profile.updated', c.outcome, rowAt, hash, c.purpose.id, actor),
      });
    }
    results.push(resultOf(row, c));
  }
  for (const [key, profile] of profiles) writes.push({ kind: 'profile', recipientKey: key, profile });

  // R9/R11: every item gets its TTL. Personal data (profile, consents, their audit events)
  // expires with the recipient's retention as it stands after this batch; objections,
  // suppressions and their proof on their own, longer clock.
  const settings = tenant.settings;
  const personalTtl = new Map<string, number>();
  const extended: string[] = [];
  for (const key of new Set(writes.map((w) => w.recipientKey))) {
    const before = states.get(key);
    const after: RecipientState = {
      ...(before ?? { recipientKey: key, objections: [], suppressions: [] }),
      profile: profiles.get(key) ?? before?.profile,
      consents: { ...before?.consents, ...newConsents.get(key) },
    };
    const ttl = recordTtl(after, settings, now);
    personalTtl.set(key, ttl);
    // Items already stored about a known recipient were given the retention of the day:
    // when the imported history moves it, they are re-planned once the batch is written.
    const previousEnd = before === undefined ? undefined : retentionEnd(before, settings);
    if (before !== undefined && known(before) && (previousEnd === undefined || ttlOf(previousEnd) !== ttl)) {
      extended.push(key);
    }
  }
  const oppositionTtl = (at: string) => ttlOf(addDays(at, settings.suppressionRetentionDays));
  const withTtl = writes.map((w): RecipientItemWrite => {
    switch (w.kind) {
      case 'objection':
        return { ...w, ttl: oppositionTtl(w.objection.at) };
      case 'suppression':
        return { ...w, ttl: oppositionTtl(w.suppression.at) };
      case 'audit':
        return w.event.type === 'objection.recorded' || w.event.type === 'suppression.recorded'
          ? { ...w, ttl: oppositionTtl(w.event.at) }
          : { ...w, ttl: personalTtl.get(w.recipientKey) };
      default:
        return { ...w, ttl: personalTtl.get(w.recipientKey) };
    }
  });
  const unknown = (key: string) => {
    const state = states.get(key);
    return state === undefined || !known(state);
  };
  let perRecipient = withTtl;
  let raced: string[] = [];
  if (groupFresh) {
    const fresh = freshCommits(withTtl, unknown);
    perRecipient = withTtl.filter((w) => !fresh.has(w.recipientKey));
    // Both settled before a failure is thrown: nothing of this batch still writes behind it.
    const [grouped, single] = await Promise.allSettled([
      deps.store.commitFreshRecipients(tenant.id, [...fresh.values()]),
      commitImported(deps.store, tenant.id, perRecipient, unknown),
    ]);
    if (grouped.status === 'rejected') throw grouped.reason;
    if (single.status === 'rejected') throw single.reason;
    raced = grouped.value.raced;
  } else {
    await commitImported(deps.store, tenant.id, perRecipient, unknown);
  }
  for (const key of extended) await applyRetention(deps, tenant.id, key);
  if (raced.length > 0) {
    // Written by someone else between the read and the commit (a consent, an objection…):
    // nothing of theirs was overwritten; their rows are read and classified again.
    const again = new Set(raced);
    const indexes = classified.flatMap((x, i) => (x.key !== undefined && again.has(x.key) ? [i] : []));
    const redone = await importRows(
      deps,
      tenant,
      indexes.map((i) => rows[i] as LegacyRow),
      now,
      actor,
      false,
    );
    indexes.forEach((i, j) => {
      results[i] = redone[j] as ImportedRow;
    });
  }
  return results;
}

/**
 * The recipients the read found empty whose items fit in one transaction, as one commit
 * each: their state writes and events (the rest go through commitImported).
 */
function freshCommits(
  items: readonly RecipientItemWrite[],
  unknown: (recipientKey: string) => boolean,
): Map<string, FreshCommit> {
  const byRecipient = new Map<string, { writes: StateWrite[]; events: AuditAppend[]; size: number }>();
  for (const item of items) {
    if (!unknown(item.recipientKey)) continue;
    const commit = byRecipient.get(item.recipientKey) ?? { writes: [], events: [], size: 0 };
    byRecipient.set(item.recipientKey, commit);
    commit.size += item.kind === 'audit' || item.kind === 'objection' ? 2 : 1;
    if (item.kind === 'audit') commit.events.push({ event: item.event, ttl: item.ttl, fixedId: true });
    else commit.writes.push(stateWriteOf(item));
  }
  const fresh = new Map<string, FreshCommit>();
  for (const [recipientKey, { writes, events, size }] of byRecipient)
    if (events.length > 0 && size <= IMPORT_TRANSACTION_ITEMS)
      fresh.set(recipientKey, { recipientKey, writes, events });
  return fresh;
}

/** Recipients committed at once (each recipient's rows are one transaction, or a few). */
const IMPORT_CONCURRENCY = 32;
/** Items per transaction, below DynamoDB's 100 (an objection is two state items). */
const IMPORT_TRANSACTION_ITEMS = 90;

/**
 * R15/R16: each recipient's imported items and their audit events commit together, one
 * transaction per recipient of the batch (split after an event when the rows of one
 * recipient need more than one), appended to its chain. The events have deterministic ids
 * (fixed: a marker is written with each), so a re-run of the same file finds them and
 * writes nothing again; a row added to the file is appended.
 */
async function commitImported(
  store: GatewayStore,
  tenantId: string,
  items: readonly RecipientItemWrite[],
  /** Whether the batch's read found nothing about the recipient (its first commit can skip the reads). */
  unknown: (recipientKey: string) => boolean,
) {
  const byRecipient = new Map<string, RecipientItemWrite[]>();
  for (const item of items)
    byRecipient.set(item.recipientKey, [...(byRecipient.get(item.recipientKey) ?? []), item]);
  const commits: { key: string; first: boolean; writes: StateWrite[]; events: AuditAppend[] }[] = [];
  for (const [key, list] of byRecipient) {
    let current = { key, first: true, writes: [] as StateWrite[], events: [] as AuditAppend[] };
    let size = 0;
    for (const item of list) {
      const cost = item.kind === 'audit' ? 2 : item.kind === 'objection' ? 2 : 1;
      if (size + cost > IMPORT_TRANSACTION_ITEMS && current.events.length > 0) {
        commits.push(current);
        current = { key, first: false, writes: [], events: [] };
        size = 0;
      }
      size += cost;
      if (item.kind === 'audit') current.events.push({ event: item.event, ttl: item.ttl, fixedId: true });
      else current.writes.push(stateWriteOf(item));
    }
    // State writes with no event of their own (a merged profile) go with the last events.
    const last = commits.at(-1);
    if (current.events.length === 0 && last?.key === key) last.writes.push(...current.writes);
    else if (current.events.length > 0) commits.push(current);
  }
  await inParallel(commits, IMPORT_CONCURRENCY, async (commit) => {
    await store.commitChanges(tenantId, commit.key, commit.writes, commit.events, {
      fresh: commit.first && unknown(commit.key),
    });
  });
}

function stateWriteOf(item: Exclude<RecipientItemWrite, { kind: 'audit' }>): StateWrite {
  const ttl = item.ttl === undefined ? {} : { ttl: item.ttl };
  switch (item.kind) {
    case 'profile':
      return { kind: 'profile', profile: item.profile, ...ttl };
    case 'consent':
      return { kind: 'consent', purpose: item.purpose, grant: item.grant, ...ttl };
    case 'objection':
      return { kind: 'objection', objection: item.objection, ...ttl };
    case 'suppression':
      return { kind: 'suppression', suppression: item.suppression, ...ttl };
  }
}

function resultOf(row: LegacyRow, c: Classification): ImportedRow {
  return { row, outcome: c.outcome, reason: 'reason' in c ? c.reason : undefined };
}

/** Maps a CSV header to LegacyRow names: `{"E-mail": "address", ...}`; unmapped columns keep their name. */
export type ColumnMapping = Record<string, string>;

export interface StreamImportOptions {
  readonly batchSize?: number;
  readonly mapping?: ColumnMapping;
  readonly now: Date;
  /** Who the audit events name; the command line by default. */
  readonly actor?: ImportActor;
  /** Called after each batch is written (inventory files, progress). */
  readonly onBatch?: (rows: readonly ImportedRow[], bytesRead: number) => void | Promise<void>;
}

/** The same reading for the command and the API: the header names the columns, through the mapping. */
function csvOptions(mapping: ColumnMapping): CsvOptions {
  return {
    bom: true,
    columns: (header: string[]) => header.map((h) => mapping[h.trim()] ?? h.trim()),
    skip_empty_lines: true,
    trim: false,
    relax_column_count: true,
  };
}

export interface ImportReport {
  readonly counts: InventoryCounts;
  /** One entry per data row, in file order; `row` is 1 for the first row after the header. No address. */
  readonly rows: { row: number; outcome: LegacyOutcome; reason?: string }[];
}

/**
 * R16 for a small file sent to the API: the whole CSV is read and counted before anything
 * is written (a file over the limit writes nothing), then imported in the same batches,
 * with the same ids, as the command. The report names rows by number, never by address.
 */
export async function importLegacyText(
  deps: { store: GatewayStore; tenants: TenantStore; keys: KeyMaterial },
  tenant: Tenant,
  csv: string,
  options: { mapping?: ColumnMapping; now: Date; actor: ImportActor },
): Promise<ImportReport> {
  let records: LegacyRow[];
  try {
    records = parseSync(csv, csvOptions(options.mapping ?? {})) as LegacyRow[];
  } catch (error) {
    // csv-parse quotes the offending field in its message: only its code and line are shown.
    const e = error as { code?: string; lines?: number };
    throw new InvalidInputError([
      { field: '(body)', problem: `is not readable CSV: ${e.code ?? 'error'} at line ${e.lines ?? '?'}` },
    ]);
  }
  if (records.length === 0) {
    throw new InvalidInputError([{ field: '(body)', problem: 'has a header but no rows' }]);
  }
  if (records.length > MAX_API_IMPORT_ROWS) {
    throw new InvalidInputError([
      {
        field: '(body)',
        problem: `has ${records.length} rows; the API imports at most ${MAX_API_IMPORT_ROWS} (use npm run import for larger files)`,
      },
    ]);
  }
  const counts = emptyCounts();
  const rows: ImportReport['rows'] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) {
    const results = await importLegacyBatch(
      deps,
      tenant,
      records.slice(i, i + BATCH_SIZE),
      options.now,
      options.actor,
    );
    for (const r of results) {
      counts[r.outcome]++;
      rows.push({ row: rows.length + 1, outcome: r.outcome, reason: r.reason });
    }
  }
  return { counts, rows };
}

/**
 * `POST /v1/imports` and the console's Imports page: the caller's tenant, its admin key named
 * in the audit events (`actor`: the console's, with `via: console`).
 */
export async function importLegacy(
  deps: Dependencies,
  caller: Caller,
  input: { csv: string; mapping?: ColumnMapping },
  actor: ImportActor = actorOf(caller),
): Promise<ImportReport> {
  const tenant = await deps.tenants.getTenant(caller.tenantId);
  if (tenant === undefined) throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  return importLegacyText(
    { store: deps.store, tenants: deps.tenants, keys: await deps.keys.load() },
    tenant,
    input.csv,
    {
      mapping: input.mapping,
      now: deps.clock.now(),
      actor,
    },
  );
}

/**
 * Streams a CSV through the import: csv-parse reads it lazily, one batch is held in
 * memory at a time, and the next batch is not read until the previous one is written
 * (async iteration gives the backpressure). A store failure rejects: nothing after the
 * failing batch is written, and a re-run rewrites the same ids.
 */
export async function importLegacyCsv(
  deps: { store: GatewayStore; tenants: TenantStore; keys: KeyMaterial },
  tenant: Tenant,
  input: Readable,
  options: StreamImportOptions,
): Promise<InventoryCounts> {
  const mapping = options.mapping ?? {};
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const counts = emptyCounts();
  let bytesRead = 0;
  input.on('data', (chunk: Buffer | string) => {
    bytesRead += chunk.length;
  });
  const parser = input.pipe(parse(csvOptions(mapping)));
  let batch: LegacyRow[] = [];
  const flush = async () => {
    const results = await importLegacyBatch(deps, tenant, batch, options.now, options.actor);
    for (const r of results) counts[r.outcome]++;
    batch = [];
    await options.onBatch?.(results, bytesRead);
  };
  for await (const record of parser) {
    batch.push(record as LegacyRow);
    if (batch.length >= batchSize) await flush();
  }
  if (batch.length > 0) await flush();
  return counts;
}
