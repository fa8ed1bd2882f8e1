import type { Projection } from '../src/readmodels/projection.js';
import { accessEventsProjection } from './access-events.js';
import { clientsProjection } from './clients.js';
import { credentialsProjection } from './credentials.js';
import { personalTokensProjection } from './personalTokens.js';
import { usersProjection } from './users.js';

/** Every read model the service keeps. A capability adds its projection here. */
export const allProjections: Projection[] = [credentialsProjection, usersProjection, clientsProjection, personalTokensProjection, accessEventsProjection];
