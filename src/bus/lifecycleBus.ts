/**
 * The LifecycleBus port: lifecycle events fanned out to workflow handlers and downstream
 * subscribers. Delivery is ordered per key and at least once; consumers deduplicate by id.
 */
/** Shaped as a CloudEvent (structured JSON) so that the Kafka adapter can send it as it is. */
export interface LifecycleMessage {
  /** The ledger event id: consumers deduplicate by it. */
  id: string;
  topic: string;
  /** Ordering key, e.g. the credential id. */
  key: string;
  /** CloudEvents type, e.g. `io.tokenledger.credential.revoked`. */
  type: string;
  source: string;
  /** The credential (or stream) the event is about. */
  subject: string;
  time: string;
  /** Never holds a secret. */
  data: Record<string, unknown>;
}

export type LifecycleHandler = (message: LifecycleMessage) => Promise<void> | void;

export interface BusHealth {
  status: 'ok' | 'degraded';
  kind: string;
  detail?: string;
}

export interface LifecycleBus {
  readonly kind: string;
  publish(messages: LifecycleMessage[]): Promise<void>;
  /** `group` names a consumer group: each message reaches one member of each group. */
  subscribe(topic: string, group: string, handler: LifecycleHandler): Promise<() => Promise<void>>;
  health(): Promise<BusHealth>;
  close(): Promise<void>;
}
