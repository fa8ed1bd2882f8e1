import type Database from 'better-sqlite3';

/** Bits per name, and probes per name: about 1% of the names never added test positive. */
const BITS_PER_NAME = 10;
const PROBES = 7;

/** One fixed-size Bloom filter, for up to `capacity` names. */
class BloomLayer {
  readonly bits: Uint32Array;
  private readonly mask: number;
  count = 0;

  constructor(readonly capacity: number) {
    // A power of two of bits, so that a probe is a mask, not a division.
    const bits = 2 ** Math.ceil(Math.log2(Math.max(capacity * BITS_PER_NAME, 64)));
    this.bits = new Uint32Array(bits / 32);
    this.mask = bits - 1;
  }

  add(h1: number, h2: number): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
    this.count++;
  }

  has(h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/**
 * A set of names that answers "certainly not in it" or "perhaps": a Bloom filter, grown by adding a
 * layer twice the size of the last whenever that one is full, so that its false positives stay
 * near 1% however many names come. A name is never removed (the ledger only grows).
 */
export class NameFilter {
  private readonly layers: BloomLayer[];

  /** `capacity`: how many names the first layer holds before another is added. */
  constructor(capacity = 0) {
    this.layers = [new BloomLayer(Math.max(capacity, 1 << 14))];
  }

  /** Adds `name` unless it tests present already, so that a name seen again fills no layer. */
  add(name: string): void {
    const h1 = fnv1a(name);
    const h2 = probeStep(h1);
    if (this.hasHashes(h1, h2)) return;
    let top = this.layers[this.layers.length - 1]!;
    if (top.count >= top.capacity) this.layers.push((top = new BloomLayer(2 * top.capacity)));
    top.add(h1, h2);
  }

  has(name: string): boolean {
    const h1 = fnv1a(name);
    return this.hasHashes(h1, probeStep(h1));
  }

  private hasHashes(h1: number, h2: number): boolean {
    for (const layer of this.layers) if (layer.has(h1, h2)) return true;
    return false;
  }

  /** Bytes held by the bit arrays. */
  get bytes(): number {
    return this.layers.reduce((n, l) => n + l.bits.byteLength, 0);
  }
}

/** 32-bit FNV-1a over the UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The second hash of double hashing, from the first (murmur3's finaliser), odd so that it walks every bit. */
function probeStep(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) | 1) >>> 0;
}

/**
 * The streams this process knows the ledger file to hold: every stream in it at open (one pass over
 * the (stream, revision) index), and every stream appended to, read, followed (`readAll`) or
 * refused as existing through this store since. A command about to decide on a stream this says
 * is new can skip reading it: a new stream's read cost a busy service ~20-27 µs, for nothing (a
 * Sunbird key's first registration, a user's sign-up). It is never wrong about a stream this
 * process has seen. One that another process (the CLI) created since, and that this one has not
 * followed yet, is presumed new: an append expecting no stream then fails, is learnt from, and the
 * command's retry reads it; a decision that refuses or appends nothing is made again after a read
 * (`handleCommand`). About 1% of new streams are "perhaps" (a Bloom filter), and are read as before.
 */
export class KnownStreams {
  private readonly filter: NameFilter;

  constructor(db: Database.Database) {
    // Sized by the events (a stream has one or more), so that one pass over the index suffices.
    const events = db.prepare('SELECT COALESCE(MAX(position), 0) FROM events').pluck();
    const all = db.prepare('SELECT stream FROM events WHERE revision = 0').pluck();
    this.filter = db.transaction(() => {
      const filter = new NameFilter(events.get() as number);
      for (const stream of all.iterate() as Iterable<string>) filter.add(stream);
      return filter;
    })();
  }

  /** False only when this process has not seen `stream` in the file. */
  mayHave(stream: string): boolean {
    return this.filter.has(stream);
  }

  /** A stream found to be in the file: appended to, read, followed, or refused as existing. */
  add(stream: string): void {
    this.filter.add(stream);
  }
}
