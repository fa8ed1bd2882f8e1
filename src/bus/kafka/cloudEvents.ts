import type { LifecycleMessage } from '../lifecycleBus.js';

/** CloudEvents Kafka protocol binding, structured mode: the whole event is the record value. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

export interface StructuredCloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

export function toCloudEvent(m: LifecycleMessage): StructuredCloudEvent {
  return {
    specversion: '1.0',
    id: m.id,
    source: m.source,
    type: m.type,
    subject: m.subject,
    time: m.time,
    datacontenttype: 'application/json',
    data: m.data,
  };
}

/** The message a record carries, or undefined when it is not a CloudEvent we understand. */
export function fromCloudEvent(topic: string, key: string | undefined, value: Buffer | null): LifecycleMessage | undefined {
  if (!value) return undefined;
  let event: Partial<StructuredCloudEvent>;
  try {
    event = JSON.parse(value.toString('utf8')) as Partial<StructuredCloudEvent>;
  } catch {
    return undefined;
  }
  const { specversion, id, source, type, subject, time, data } = event;
  if (specversion !== '1.0' || typeof id !== 'string' || typeof type !== 'string' || typeof source !== 'string') return undefined;
  if (!data || typeof data !== 'object') return undefined;
  const about = typeof subject === 'string' ? subject : (key ?? id);
  return { id, topic, key: key ?? about, type, source, subject: about, time: typeof time === 'string' ? time : '', data };
}
