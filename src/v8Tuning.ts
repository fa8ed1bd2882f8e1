import { setFlagsFromString } from 'node:v8';

/**
 * TurboFan's inlining budgets, raised from V8's defaults (460 bytes of bytecode for one function,
 * 920 for all that one optimised function inlines). A request passes through many small layers
 * (Koa, koa-body, the route chain, the services); with the defaults the optimiser stops inlining
 * them early and each layer stays a call. V8 caps the total at
 * `--max-inlined-bytecode-size-absolute` (4,600), which stays.
 *
 * Measured in session 9, closed loop, 10,000 credentials, the services side by side in alternating
 * rounds (median req/s, median CPU a request): introspection with the flags on node's command line,
 * 5,276 → 5,889 req/s and 198 → 184 µs; set here at start (`LEDGER_V8_INLINING` off → on),
 * 5,547 → 6,185 and 197 → 182 µs, and in a second A/B 6,287 → 6,563 and 160 → 154 µs. Bare Koa,
 * whose few functions the defaults already inline: 6,626 → 6,766 req/s, 153 → 151 µs.
 * client_credentials and Sunbird register showed no gain beyond the noise.
 */
export const INLINING_FLAGS = ['--max-inlined-bytecode-size=2000', '--max-inlined-bytecode-size-cumulative=4600'];

/**
 * Sets the flags in this process. Called before the service is built: V8 reads them each time it
 * optimises a function, and nothing has been optimised yet.
 */
export function raiseInliningBudgets(): void {
  for (const flag of INLINING_FLAGS) setFlagsFromString(flag);
}
