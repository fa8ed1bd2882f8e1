import { accessRequestsModule } from '../access-requests/module.js';
import { apinizerModule } from '../apinizer/module.js';
import { ledgerModule } from '../audit/routes.js';
import { iamModule } from '../entities/routes.js';
import { systemModule } from '../http/systemRoutes.js';
import { oauth2Module } from '../oauth2/routes.js';
import { sunbirdModule } from '../sunbird/routes.js';
import { adminModule } from '../users/routes.js';
import type { Module } from './module.js';

/** Every capability the service mounts, in order. A new API family adds its module here. */
export const allModules: Module[] = [systemModule, oauth2Module, adminModule, ledgerModule, iamModule, apinizerModule, sunbirdModule, accessRequestsModule];
