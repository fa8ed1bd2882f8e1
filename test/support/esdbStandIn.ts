// A protocol-level EventStoreDB stand-in for tests: a gRPC server built on the service definitions
// shipped inside @eventstore/db-client, backed by an in-memory log (test/support/esdb/log.ts).
// It implements what the ledger's adapter uses: Streams.Append, Streams.BatchAppend, Streams.Read
// (one stream or $all, both directions, catch-up subscriptions to $all with filters) and
// ServerFeatures. Single node, insecure, no auth, no deletes, no stream subscriptions.
import * as grpc from '@grpc/grpc-js';
import featuresGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import { randomUUID } from 'node:crypto';
import { EsdbLog, type Expected, type Proposed } from './esdb/log.js';
import {
  allFrom, appendResp, batchAppendResp, caughtUpResp, confirmationResp, eventResp, expectedOfAppend,
  expectedOfBatch, filterOf, proposed, streamFrom, streamName, streamNotFoundResp, uuidOf,
} from './esdb/messages.js';

type ReadReq = streamsPb.ReadReq;
type ReadResp = streamsPb.ReadResp;
type AppendReq = streamsPb.AppendReq;
type AppendResp = streamsPb.AppendResp;
type BatchAppendReq = streamsPb.BatchAppendReq;
type BatchAppendResp = streamsPb.BatchAppendResp;

export interface EsdbStandInOptions {
  /** 0 (default) picks a free port; pass the old port to "restart" the server. */
  port?: number;
  /** Share a log between restarts: the data survives, the connections do not. */
  log?: EsdbLog;
  /** Advertise BatchAppend via ServerFeatures as servers since 21.10 do (default true). */
  batchAppend?: boolean;
}

export interface EsdbStandIn {
  connectionString: string;
  port: number;
  log: EsdbLog;
  /** Ends every live subscription call with UNAVAILABLE, as a node losing leadership would. */
  dropSubscriptions(): void;
  close(): Promise<void>;
}

const invalid = (details: string) => ({ code: grpc.status.INVALID_ARGUMENT, details });
const internal = (error: unknown) => ({ code: grpc.status.INTERNAL, details: String(error) });

/** Writes with backpressure; resolves early if the call goes away. */
function send(call: grpc.ServerWritableStream<ReadReq, ReadResp>, message: ReadResp): Promise<void> {
  if (call.destroyed || call.writableEnded) return Promise.resolve();
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done).off('close', done).off('cancelled', done);
      resolve();
    };
    call.on('drain', done).on('close', done).on('cancelled', done);
  });
}

export async function startEsdbStandIn(options: EsdbStandInOptions = {}): Promise<EsdbStandIn> {
  const log = options.log ?? new EsdbLog();
  const live = new Map<grpc.ServerWritableStream<ReadReq, ReadResp>, () => void>();

  /** Catch-up subscription to $all: confirmation, history after the start, caught-up, then live. */
  function subscribe(call: grpc.ServerWritableStream<ReadReq, ReadResp>, o: streamsPb.ReadReq.Options): void {
    const keep = filterOf(o);
    let cursor = log.indexAfter(allFrom(o));
    let stopped = false;
    let pumping = false;
    let again = false;
    let caughtUpSent = false;
    const pump = async () => {
      if (pumping) return void (again = true);
      pumping = true;
      do {
        again = false;
        while (!stopped && cursor < log.all.length) {
          const e = log.all[cursor++]!;
          if (keep(e)) await send(call, eventResp(e, true));
        }
        if (!stopped && !caughtUpSent) {
          caughtUpSent = true;
          await send(call, caughtUpResp());
        }
      } while (again && !stopped);
      pumping = false;
    };
    const unlisten = log.onAppend(() => void pump());
    const stop = () => {
      stopped = true;
      unlisten();
      live.delete(call);
    };
    live.set(call, stop);
    call.on('cancelled', stop).on('close', stop);
    void send(call, confirmationResp(randomUUID())).then(pump);
  }

  async function read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const o = call.request.getOptions();
    if (!o) return void call.emit('error', invalid('options are required'));
    if (o.hasSubscription()) {
      if (!o.hasAll()) return void call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'stream subscriptions' });
      return subscribe(call, o);
    }
    const backwards = o.getReadDirection() === 1;
    const count = Number(BigInt(o.getCount()));
    let replies: ReadResp[];
    if (o.hasStream()) {
      const name = streamName(o.getStream()!.getStreamIdentifier());
      const events = log.readStream(name, backwards, streamFrom(o), BigInt(count));
      replies = events ? events.map((e) => eventResp(e, false)) : [streamNotFoundResp(name)];
    } else {
      const keep = filterOf(o);
      replies = log.readAll(backwards, allFrom(o)).filter(keep).slice(0, count).map((e) => eventResp(e, true));
    }
    for (const reply of replies) await send(call, reply);
    if (!call.destroyed) call.end();
  }

  function append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) {
    let opts: streamsPb.AppendReq.Options | undefined;
    const events: Proposed[] = [];
    let problem: string | undefined;
    call.on('data', (req: AppendReq) => {
      if (req.hasOptions()) opts = req.getOptions();
      else {
        const p = proposed(req.getProposedMessage()!);
        if (p instanceof Error) problem = p.message;
        else events.push(p);
      }
    });
    call.on('end', () => {
      if (!opts || problem) return callback(invalid(problem ?? 'options must come first'));
      try {
        const expected = expectedOfAppend(opts);
        callback(null, appendResp(log.append(streamName(opts.getStreamIdentifier()), expected, events), expected));
      } catch (error) {
        callback(internal(error));
      }
    });
  }

  /** One long-lived duplex; each correlation id is one append, complete when `is_final` arrives. */
  function batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
    const pending = new Map<string, { name: string; expected: Expected; events: Proposed[] }>();
    call.on('data', (req: BatchAppendReq) => {
      const id = uuidOf(req.getCorrelationId());
      let p = pending.get(id);
      if (!p) {
        const o = req.getOptions();
        if (!o) return void call.emit('error', invalid('options must come first'));
        p = { name: streamName(o.getStreamIdentifier()), expected: expectedOfBatch(o), events: [] };
        pending.set(id, p);
      }
      for (const m of req.getProposedMessagesList()) {
        const e = proposed(m);
        if (e instanceof Error) return void call.emit('error', invalid(e.message));
        p.events.push(e);
      }
      if (!req.getIsFinal()) return;
      pending.delete(id);
      try {
        call.write(batchAppendResp(id, p.name, log.append(p.name, p.expected, p.events), p.expected));
      } catch (error) {
        call.emit('error', internal(error));
      }
    });
    call.on('end', () => call.end());
  }

  function getSupportedMethods(_call: unknown, callback: grpc.sendUnaryData<featuresPb.SupportedMethods>) {
    const methods = ['read', 'append', 'batchappend'].map((name) => {
      const m = new featuresPb.SupportedMethod();
      m.setServiceName('event_store.client.streams.streams');
      m.setMethodName(name);
      return m;
    });
    const supported = new featuresPb.SupportedMethods();
    supported.setEventStoreServerVersion('23.10.0-standin');
    supported.setMethodsList(methods);
    callback(null, supported);
  }

  const server = new grpc.Server();
  const readSafely = (call: grpc.ServerWritableStream<ReadReq, ReadResp>) =>
    void read(call).catch((error) => call.emit('error', internal(error)));
  server.addService(streamsGrpc.StreamsService, { read: readSafely, append, batchAppend } as grpc.UntypedServiceImplementation);
  // Without ServerFeatures the client falls back to unary Append, as against a 20.x server.
  if (options.batchAppend ?? true) {
    server.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods } as grpc.UntypedServiceImplementation);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );

  const dropSubscriptions = () => {
    for (const [call, stop] of [...live]) {
      stop();
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'stand-in dropped the subscription' });
    }
  };

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    dropSubscriptions,
    async close() {
      for (const stop of [...live.values()]) stop();
      server.forceShutdown();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
