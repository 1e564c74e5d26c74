/**
 * Job ids of packed waiting jobs, off the JavaScript heap: the id's bytes in one arena and
 * an open-addressing hash table from id to slot, both typed arrays. A million ids then cost
 * about 40 bytes each and no heap objects, so the garbage a burst of submits leaves behind
 * is not pinned by small long-lived strings scattered over the heap's pages, and the heap
 * shrinks back once the burst is over.
 *
 * Ids are ASCII (validate.ts JOB_ID_PATTERN): one byte per character.
 */

const EMPTY = 0;
const DELETED = -1;

export class IdTable {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  /** Bytes of the arena whose id was removed; compacted once they are most of it. */
  private dead = 0;
  private offsets = new Int32Array(1024);
  private lengths = new Uint8Array(1024);
  /** Each slot's hash, so that growing the table reads no id back. */
  private hashes = new Int32Array(1024);
  /** Hash slots: 0 empty, -1 deleted, else slot + 1. Size a power of two. */
  private table = new Int32Array(1024);
  private live = 0;
  private deleted = 0;

  /** True when `id` can be kept here: ASCII, at most 255 characters. */
  static fits(id: string): boolean {
    if (id.length > 255) return false;
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0x7f) return false;
    return true;
  }

  /** Files `id` under `slot` (which must not hold an id); `id` must fit and be new. */
  set(id: string, slot: number): void {
    if (slot >= this.offsets.length) this.growSlots(slot + 1);
    if (this.used + id.length > this.bytes.length) this.growBytes(id.length);
    this.offsets[slot] = this.used;
    this.lengths[slot] = id.length;
    this.used += this.bytes.write(id, this.used, 'latin1');

    if ((this.live + this.deleted + 1) * 2 > this.table.length) this.rehash();
    const mask = this.table.length - 1;
    const hashed = hash(id);
    this.hashes[slot] = hashed;
    for (let h = hashed & mask; ; h = (h + 1) & mask) {
      const at = this.table[h]!;
      if (at === EMPTY || at === DELETED) {
        if (at === DELETED) this.deleted--;
        this.table[h] = slot + 1;
        break;
      }
    }
    this.live++;
  }

  /** The slot holding `id`, or -1. */
  find(id: string): number {
    if (!IdTable.fits(id)) return -1;
    const mask = this.table.length - 1;
    for (let h = hash(id) & mask; ; h = (h + 1) & mask) {
      const at = this.table[h]!;
      if (at === EMPTY) return -1;
      if (at !== DELETED && this.equals(at - 1, id)) return at - 1;
    }
  }

  /** The id filed under `slot`. */
  idOf(slot: number): string {
    const start = this.offsets[slot]!;
    return this.bytes.toString('latin1', start, start + this.lengths[slot]!);
  }

  /** Forgets the id filed under `slot`. */
  remove(slot: number): void {
    const mask = this.table.length - 1;
    for (let h = this.hashes[slot]! & mask; ; h = (h + 1) & mask) {
      const at = this.table[h]!;
      if (at === EMPTY) return;
      if (at === slot + 1) {
        this.table[h] = DELETED;
        break;
      }
    }
    this.live--;
    this.deleted++;
    this.dead += this.lengths[slot]!;
    this.lengths[slot] = 0;
  }

  private equals(slot: number, id: string): boolean {
    if (this.lengths[slot] !== id.length) return false;
    const start = this.offsets[slot]!;
    for (let i = 0; i < id.length; i++) {
      if (this.bytes[start + i] !== id.charCodeAt(i)) return false;
    }
    return true;
  }

  private growSlots(atLeast: number): void {
    let n = this.offsets.length;
    while (n < atLeast) n *= 2;
    const offsets = new Int32Array(n);
    offsets.set(this.offsets);
    const lengths = new Uint8Array(n);
    lengths.set(this.lengths);
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.offsets = offsets;
    this.lengths = lengths;
    this.hashes = hashes;
  }

  /** Room for `more` bytes: compacts away removed ids when they are most of the arena. */
  private growBytes(more: number): void {
    if (this.dead * 2 > this.used) {
      const packed = Buffer.alloc(Math.max(this.bytes.length, (this.used - this.dead + more) * 2));
      let at = 0;
      for (let slot = 0; slot < this.lengths.length; slot++) {
        const length = this.lengths[slot]!;
        if (length === 0) continue;
        this.bytes.copy(packed, at, this.offsets[slot]!, this.offsets[slot]! + length);
        this.offsets[slot] = at;
        at += length;
      }
      this.bytes = packed;
      this.used = at;
      this.dead = 0;
      if (this.used + more <= this.bytes.length) return;
    }
    const grown = Buffer.alloc(Math.max(this.bytes.length * 2, this.used + more));
    this.bytes.copy(grown, 0, 0, this.used);
    this.bytes = grown;
  }

  private rehash(): void {
    let size = this.table.length;
    while ((this.live + 1) * 2 > size) size *= 2;
    if ((this.live + 1) * 4 <= size && size > 1024) size = Math.max(1024, size / 2);
    const old = this.table;
    this.table = new Int32Array(size);
    this.deleted = 0;
    const mask = size - 1;
    for (const at of old) {
      if (at === EMPTY || at === DELETED) continue;
      let h = this.hashes[at - 1]! & mask;
      while (this.table[h] !== EMPTY) h = (h + 1) & mask;
      this.table[h] = at;
    }
  }
}

/** FNV-1a over the characters, then a final mix so that low bits spread. */
function hash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h | 0;
}
