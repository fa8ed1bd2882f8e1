import type { Deps } from '../app/deps.js';
import type { Module } from '../app/module.js';
import { ACCESS_EVENT_STREAM_PREFIX } from './accessEvent.js';
import { AccessEventService } from './accessEventService.js';
import { mountAdminRoutes } from './adminRoutes.js';
import { CredentialPickup } from './credentialPickup.js';
import { DirectoryService } from './directoryService.js';
import { registerWebMethodsEnvelope } from './envelope.js';
import { mountPortalRoutes } from './portalRoutes.js';
import { mountProviderRoutes } from './providerRoutes.js';
import { PushDispatcher } from './pushDispatcher.js';
import { AccessWorkflow } from './workflow.js';

const workflows = new WeakMap<Deps, AccessWorkflow>();

/** The running workflow of a service (tests call its `sweep()` directly). */
export function accessWorkflowOf(deps: Deps): AccessWorkflow | undefined {
  return workflows.get(deps);
}

/** webMethods API Portal: providers, applications, access events and the workflow that drives them. */
export const accessRequestsModule: Module = {
  name: 'access-requests',
  async mount(context) {
    const { deps, services, onClose } = context;
    registerWebMethodsEnvelope();
    const directory = new DirectoryService(deps, services.users);
    const events = new AccessEventService(deps, directory);
    const pickup = new CredentialPickup(deps, events);
    services.credentials.registerInspector(events.inspect);
    services.credentials.registerRevoker(ACCESS_EVENT_STREAM_PREFIX, events.revokeHeld);

    mountAdminRoutes(context, directory);
    mountPortalRoutes(context, directory, events, pickup);
    mountProviderRoutes(context, events);

    const { pushRetryBaseMs, pushMaxAttempts, pushTimeoutMs } = deps.config.accessWorkflow;
    const dispatcher = new PushDispatcher({ retryBaseMs: pushRetryBaseMs, maxAttempts: pushMaxAttempts, timeoutMs: pushTimeoutMs, logger: deps.logger });
    const workflow = new AccessWorkflow(deps, events, directory, pickup, dispatcher);
    await workflow.start();
    workflows.set(deps, workflow);
    onClose(() => workflow.close());
  },
};
