import type { Module } from '../app/module.js';
import { mountConsole } from '../console/module.js';
import { LoginThrottle, type LoginThrottleOptions } from '../http/loginThrottle.js';
import { mountPersonalTokens, type PersonalTokenOptions } from '../personal-tokens/routes.js';
import { mountAuthToken } from './authToken.js';
import { mountProfile } from './profile.js';

export interface ApinizerOptions extends PersonalTokenOptions {
  throttle?: LoginThrottleOptions;
}

/** The Apinizer management API family (seed 002): auth token, My Profile, personal tokens, and the web console. */
export function createApinizerModule(options: ApinizerOptions = {}): Module {
  return {
    name: 'apinizer',
    mount(context) {
      // One throttle per running service; it guards every password this family checks.
      mountAuthToken(context, new LoginThrottle(context.deps.clock, options.throttle));
      mountProfile(context);
      mountPersonalTokens(context, options);
      mountConsole(context);
    },
  };
}

export const apinizerModule = createApinizerModule();
