// Imported by the ledger's reader thread during a rebuild (EventStore.mappedPages): each page it
// reads becomes the writes the projections make, so that the main thread only runs them.
import { allProjections } from '../../projections/index.js';
import { pageWriter } from './pageWrites.js';

export interface ReplayMapperOptions {
  /** Names of the projections to rebuild, in the runner's order. */
  projections: string[];
  /** ISO instant: stop at the first event recorded after it. */
  until?: string;
}

export function createPageMapper(options: ReplayMapperOptions) {
  const projections = options.projections.map((name) => {
    const projection = allProjections.find((p) => p.name === name);
    if (!projection) throw new Error(`unknown projection ${name}`);
    return projection;
  });
  return pageWriter(projections, options.until ? new Date(options.until) : undefined);
}
