import type { AccessEventRecord, AccessEventStatus, AccessEventType } from './accessEvent.js';

/**
 * An access event as the provider endpoints, push deliveries and the portal show it: the record,
 * with its status, and without the fields it does not have yet.
 */
export type WireEvent = Omit<AccessEventRecord, 'accesstokenuuid' | 'reason'> & {
  eventStatus: AccessEventStatus;
  accesstokenuuid?: string;
  reason?: string;
};

export interface AccessEventRow {
  event_id: string;
  event_type: AccessEventType;
  event_status: AccessEventStatus;
  app_id: string;
  user_id: string;
  provider_id: string;
  accesstokenuuid: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

export function wireFromRecord(status: AccessEventStatus, e: AccessEventRecord): WireEvent {
  return {
    eventId: e.eventId,
    eventType: e.eventType,
    eventStatus: status,
    appId: e.appId,
    userId: e.userId,
    providerId: e.providerId,
    ...(e.accesstokenuuid ? { accesstokenuuid: e.accesstokenuuid } : {}),
    ...(e.reason ? { reason: e.reason } : {}),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

export function wireFromRow(r: AccessEventRow): WireEvent {
  return {
    eventId: r.event_id,
    eventType: r.event_type,
    eventStatus: r.event_status,
    appId: r.app_id,
    userId: r.user_id,
    providerId: r.provider_id,
    ...(r.accesstokenuuid ? { accesstokenuuid: r.accesstokenuuid } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
