/**
 * The refresh-token digests a family has rotated out, each with the time it was rotated: what
 * reuse detection and the grace period look up. A family gains one with every rotation, and keeps
 * them all (an old token presented again must still be known as the family's).
 *
 * Immutable, as states are: `with` returns a new set and leaves this one as it was. A plain object
 * copied on each rotation cost O(n) a rotation and O(n²) to fold a family's stream: 4.5 ms a
 * rotation, and 26 s to fold, after 10,000 rotations. Here the newest digests sit in a small map
 * that is copied; once it is full it is never changed again and is shared, as is every older one,
 * by every later set. A rotation copies at most CHUNK entries and, every CHUNK rotations, the list
 * of full maps.
 */
const CHUNK = 64;

type Chunk = ReadonlyMap<string, string>;

export class RotatedHashes {
  static readonly none = new RotatedHashes(new Map(), []);

  private constructor(
    private readonly recent: Chunk,
    /** Full chunks, oldest first; shared with the sets this one was made from. */
    private readonly older: readonly Chunk[],
  ) {}

  /** When `hash` was rotated out (ISO time), or undefined when it never was. */
  get(hash: string): string | undefined {
    const found = this.recent.get(hash);
    if (found !== undefined) return found;
    for (let i = this.older.length - 1; i >= 0; i--) {
      const at = this.older[i]!.get(hash);
      if (at !== undefined) return at;
    }
    return undefined;
  }

  /** This set with `hash` rotated out at `at`. */
  with(hash: string, at: string): RotatedHashes {
    if (this.recent.size < CHUNK) return new RotatedHashes(new Map(this.recent).set(hash, at), this.older);
    return new RotatedHashes(new Map([[hash, at]]), [...this.older, this.recent]);
  }

  get size(): number {
    return this.recent.size + this.older.length * CHUNK;
  }

  /** How many digests a `with` copies at most: the newest chunk's (for tests). */
  get copiedOnWith(): number {
    return this.recent.size;
  }
}
