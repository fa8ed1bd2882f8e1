import type { Module } from '../app/module.js';
import { mountConsole } from '../console/module.js';
import { mountPersonalTokens, type PersonalTokenOptions } from '../personal-tokens/routes.js';
import { mountAuthToken } from './authToken.js';
import { mountProfile } from './profile.js';

export type ApinizerOptions = PersonalTokenOptions;

/** The Apinizer management API family (seed 002): auth token, My Profile, personal tokens, and the web console. */
export function createApinizerModule(options: ApinizerOptions = {}): Module {
  return {
    name: 'apinizer',
    mount(context) {
      // Password failures are throttled by UserService, shared with every other password endpoint.
      mountAuthToken(context);
      mountProfile(context);
      mountPersonalTokens(context, options);
      mountConsole(context);
    },
  };
}

export const apinizerModule = createApinizerModule();
