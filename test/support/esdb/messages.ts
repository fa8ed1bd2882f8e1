// Protobuf plumbing for the stand-in, on the message classes generated inside @eventstore/db-client.
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type { AppendOutcome, Expected, LogPosition, Proposed, StoredEvent } from './log.js';

const { ReadResp, AppendResp, BatchAppendResp, ReadReq, AppendReq, BatchAppendReq } = streamsPb;
type ReadOptions = InstanceType<typeof ReadReq.Options>;
type ProposedMessage = InstanceType<typeof AppendReq.ProposedMessage> | InstanceType<typeof BatchAppendReq.ProposedMessage>;

const FAILED_PRECONDITION = 9;
export const empty = () => new sharedPb.Empty();
const gEmpty = () => new emptyPb.Empty();

export function streamName(id: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string {
  return Buffer.from(id?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}

function identifier(name: string) {
  const id = new sharedPb.StreamIdentifier();
  id.setStreamName(Uint8Array.from(Buffer.from(name, 'utf8')));
  return id;
}

function uuid(value: string) {
  const id = new sharedPb.UUID();
  id.setString(value);
  return id;
}

export function uuidOf(id: InstanceType<typeof sharedPb.UUID> | undefined): string {
  if (!id) return '';
  if (id.hasString()) return id.getString();
  const s = id.getStructured()!;
  const hex = (v: string) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
  const h = hex(s.getMostSignificantBits()) + hex(s.getLeastSignificantBits());
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A proposed event, or the reason the server would refuse it. */
export function proposed(m: ProposedMessage): Proposed | Error {
  const type = m.getMetadataMap().get('type');
  const contentType = m.getMetadataMap().get('content-type');
  if (!type || !contentType) return new Error('Required metadata property is missing: type, content-type');
  return { id: uuidOf(m.getId()), type, contentType, data: m.getData_asU8(), metadata: m.getCustomMetadata_asU8() };
}

export function expectedOfAppend(o: InstanceType<typeof AppendReq.Options>): Expected {
  const C = AppendReq.Options.ExpectedStreamRevisionCase;
  switch (o.getExpectedStreamRevisionCase()) {
    case C.REVISION: return BigInt(o.getRevision());
    case C.NO_STREAM: return 'no_stream';
    case C.STREAM_EXISTS: return 'stream_exists';
    default: return 'any';
  }
}

export function expectedOfBatch(o: InstanceType<typeof BatchAppendReq.Options>): Expected {
  const C = BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (o.getExpectedStreamPositionCase()) {
    case C.STREAM_POSITION: return BigInt(o.getStreamPosition());
    case C.NO_STREAM: return 'no_stream';
    case C.STREAM_EXISTS: return 'stream_exists';
    default: return 'any';
  }
}

export function appendResp(outcome: AppendOutcome, expected: Expected) {
  const resp = new AppendResp();
  if (outcome.ok) {
    const ok = new AppendResp.Success();
    if (outcome.current < 0n) ok.setNoStream(empty());
    else ok.setCurrentRevision(outcome.current.toString());
    if (outcome.position) {
      const p = new AppendResp.Position();
      p.setCommitPosition(outcome.position.commit.toString());
      p.setPreparePosition(outcome.position.prepare.toString());
      ok.setPosition(p);
    } else ok.setNoPosition(empty());
    return resp.setSuccess(ok);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  if (expected === 'any') wrong.setExpectedAny(empty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(empty());
  else wrong.setExpectedRevision(expected.toString());
  return resp.setWrongExpectedVersion(wrong);
}

export function batchAppendResp(correlationId: string, stream: string, outcome: AppendOutcome, expected: Expected) {
  const resp = new BatchAppendResp();
  resp.setCorrelationId(uuid(correlationId));
  resp.setStreamIdentifier(identifier(stream));
  if (expected === 'any') resp.setAny(gEmpty());
  else if (expected === 'no_stream') resp.setNoStream(gEmpty());
  else if (expected === 'stream_exists') resp.setStreamExists(gEmpty());
  else resp.setStreamPosition(expected.toString());
  if (outcome.ok) {
    const ok = new BatchAppendResp.Success();
    if (outcome.current < 0n) ok.setNoStream(gEmpty());
    else ok.setCurrentRevision(outcome.current.toString());
    if (outcome.position) {
      const p = new sharedPb.AllStreamPosition();
      p.setCommitPosition(outcome.position.commit.toString());
      p.setPreparePosition(outcome.position.prepare.toString());
      ok.setPosition(p);
    } else ok.setNoPosition(gEmpty());
    return resp.setSuccess(ok);
  }
  // BatchAppend reports the conflict as a google.rpc.Status carrying a packed WrongExpectedVersion.
  const wrong = new sharedPb.WrongExpectedVersion();
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(gEmpty());
  else wrong.setCurrentStreamRevision(outcome.current.toString());
  if (expected === 'any') wrong.setExpectedAny(gEmpty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(gEmpty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(gEmpty());
  else wrong.setExpectedStreamPosition(expected.toString());
  const details = new anyPb.Any();
  details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const status = new statusPb.Status();
  status.setCode(FAILED_PRECONDITION);
  status.setMessage('Wrong expected version');
  status.setDetails(details);
  return resp.setError(status);
}

/** `allRead`: events read from $all carry their commit position on the envelope too. */
export function eventResp(e: StoredEvent, allRead: boolean) {
  const rec = new ReadResp.ReadEvent.RecordedEvent();
  rec.setId(uuid(e.id));
  rec.setStreamIdentifier(identifier(e.stream));
  rec.setStreamRevision(e.revision.toString());
  rec.setCommitPosition(e.commit.toString());
  rec.setPreparePosition(e.prepare.toString());
  const meta = rec.getMetadataMap();
  meta.set('type', e.type);
  meta.set('content-type', e.contentType);
  meta.set('created', e.created.toString());
  rec.setCustomMetadata(e.metadata);
  rec.setData(e.data);
  const read = new ReadResp.ReadEvent();
  read.setEvent(rec);
  if (allRead) read.setCommitPosition(e.commit.toString());
  else read.setNoPosition(empty());
  return new ReadResp().setEvent(read);
}

export function streamNotFoundResp(name: string) {
  const nf = new ReadResp.StreamNotFound();
  nf.setStreamIdentifier(identifier(name));
  return new ReadResp().setStreamNotFound(nf);
}

export function confirmationResp(id: string) {
  const c = new ReadResp.SubscriptionConfirmation();
  c.setSubscriptionId(id);
  return new ReadResp().setConfirmation(c);
}

export const caughtUpResp = () => new ReadResp().setCaughtUp(new ReadResp.CaughtUp());

/** Where a read of $all starts. */
export function allFrom(o: ReadOptions): LogPosition | 'start' | 'end' {
  const all = o.getAll()!;
  if (all.hasStart()) return 'start';
  if (all.hasEnd()) return 'end';
  const p = all.getPosition()!;
  return { commit: BigInt(p.getCommitPosition()), prepare: BigInt(p.getPreparePosition()) };
}

export function streamFrom(o: ReadOptions): bigint | 'start' | 'end' {
  const s = o.getStream()!;
  if (s.hasStart()) return 'start';
  if (s.hasEnd()) return 'end';
  return BigInt(s.getRevision());
}

/** The server-side filter: stream-name or event-type, by prefixes (if any) else by regex. */
export function filterOf(o: ReadOptions): (e: StoredEvent) => boolean {
  if (!o.hasFilter()) return () => true;
  const f = o.getFilter()!;
  const byStream = f.hasStreamIdentifier();
  const expr = byStream ? f.getStreamIdentifier()! : f.getEventType()!;
  const prefixes = expr.getPrefixList();
  const regex = expr.getRegex() ? new RegExp(expr.getRegex()) : undefined;
  return (e) => {
    const subject = byStream ? e.stream : e.type;
    return prefixes.length > 0 ? prefixes.some((p) => subject.startsWith(p)) : !regex || regex.test(subject);
  };
}
