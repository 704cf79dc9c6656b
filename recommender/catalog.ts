import { categoryLevels, leafCategory, matchesCategory } from './rules.js';
import { LexicalIndex } from './text-match.js';
import type { CatalogItem, RecommendFilters } from './types.js';

// The catalogue in columnar form for fast scoring: ids <-> dense indexes (append-only, so indexes
// held by profiles and the co-occurrence model stay valid), prices and stock in typed arrays, the
// in-stock index list the scoring loop walks, and cached category-filter masks.

export class CatalogIndex {
  readonly ids: string[] = [];
  readonly items: CatalogItem[] = [];
  readonly leaves: string[] = [];
  /** Category ids per level (top "Dept", mid "Dept > Sub", full path), -1 when unknown; for category affinity. */
  catTop = new Int32Array(0);
  catMid = new Int32Array(0);
  catPath = new Int32Array(0);
  private readonly catIds = new Map<string, number>();
  private readonly catNames: string[] = [];
  private readonly index = new Map<string, number>();
  price = new Float64Array(0);
  /** -1 = unknown (treated as available). */
  stock = new Int32Array(0);
  readonly lexical = new LexicalIndex();
  /** 1 for products removed from the catalogue: never a candidate again (indexes stay valid). */
  removed = new Uint8Array(0);
  private inStockCache: Int32Array | null = null;
  private readonly categoryMasks = new Map<string, Uint8Array>();

  constructor(items: readonly CatalogItem[] = []) {
    this.append(items);
  }

  get n(): number {
    return this.ids.length;
  }

  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  /** Adds new products (ignoring ids already present); returns the indexes added. */
  append(items: readonly CatalogItem[]): number[] {
    const seen = new Set<string>();
    const fresh = items.filter((it) => {
      if (this.index.has(it.id) || seen.has(it.id)) return false;
      seen.add(it.id);
      return true;
    });
    if (fresh.length === 0) return [];
    const start = this.n;
    const price = new Float64Array(start + fresh.length);
    price.set(this.price);
    const stock = new Int32Array(start + fresh.length);
    stock.set(this.stock);
    this.price = price;
    this.stock = stock;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(start + fresh.length).fill(-1);
      b.set(a);
      return b;
    };
    const removed = new Uint8Array(start + fresh.length);
    removed.set(this.removed);
    this.removed = removed;
    this.catTop = grow(this.catTop);
    this.catMid = grow(this.catMid);
    this.catPath = grow(this.catPath);
    const added: number[] = [];
    fresh.forEach((it, k) => {
      const i = start + k;
      this.index.set(it.id, i);
      this.ids.push(it.id);
      this.items.push(it);
      this.leaves.push(leafCategory(it.category));
      this.setCategory(i, it);
      this.setFields(i, it);
      this.lexical.add(i, lexicalText(it));
      added.push(i);
    });
    this.categoryMasks.clear();
    this.inStockCache = null;
    return added;
  }

  private setCategory(i: number, it: CatalogItem): void {
    const levels = categoryLevels(it.category);
    this.catTop[i] = levels.length > 0 ? this.catId(levels.slice(0, 1).join(' > ')) : -1;
    this.catMid[i] = levels.length > 0 ? this.catId(levels.slice(0, 2).join(' > ')) : -1;
    this.catPath[i] = levels.length > 0 ? this.catId(levels.join(' > ')) : -1;
  }

  /**
   * Replaces a known product's fields, title and category included (its vector is the caller's
   * business), and brings a removed product back. Returns its index, or undefined when unknown.
   */
  replace(it: CatalogItem): number | undefined {
    const i = this.index.get(it.id);
    if (i === undefined) return undefined;
    const before = this.items[i]!;
    if (lexicalText(before) !== lexicalText(it)) {
      this.lexical.remove(i, lexicalText(before));
      this.lexical.add(i, lexicalText(it));
    }
    this.items[i] = { ...it };
    this.leaves[i] = leafCategory(it.category);
    this.setCategory(i, it);
    this.removed[i] = 0;
    this.setFields(i, it);
    this.categoryMasks.clear();
    this.inStockCache = null;
    return i;
  }

  /** Takes a product out of every candidate list at once (its index stays, for events and profiles). */
  remove(id: string): boolean {
    const i = this.index.get(id);
    if (i === undefined || this.removed[i]) return false;
    this.removed[i] = 1;
    this.stock[i] = 0;
    this.items[i] = { ...this.items[i]!, stock: 0 };
    this.inStockCache = null;
    return true;
  }

  isRemoved(i: number): boolean {
    return this.removed[i] === 1;
  }

  private catId(key: string): number {
    let id = this.catIds.get(key);
    if (id === undefined) {
      this.catIds.set(key, (id = this.catIds.size));
      this.catNames.push(key);
    }
    return id;
  }

  /** The lower-case category key ("dept", "dept > sub" or full path) of a category id. */
  categoryName(id: number): string | undefined {
    return this.catNames[id];
  }

  /** Number of distinct category keys (all levels). */
  get categoryKeys(): number {
    return this.catIds.size;
  }

  private setFields(i: number, it: CatalogItem): void {
    this.price[i] = typeof it.price === 'number' && Number.isFinite(it.price) ? it.price : NaN;
    this.stock[i] = typeof it.stock === 'number' && Number.isFinite(it.stock) ? Math.max(0, Math.trunc(it.stock)) : -1;
  }

  /** Updates price/stock/rating of a known product (title or category changes need a re-embed: use refresh). */
  update(it: CatalogItem): boolean {
    const i = this.index.get(it.id);
    if (i === undefined) return false;
    if (this.removed[i]) return true; // known, but removed: only replace() brings it back
    const before = this.stock[i];
    this.items[i] = { ...this.items[i]!, price: it.price, stock: it.stock, rating: it.rating, ratingCount: it.ratingCount };
    this.setFields(i, this.items[i]!);
    if ((before === 0) !== (this.stock[i] === 0)) this.inStockCache = null;
    return true;
  }

  setStock(i: number, stock: number): void {
    if (this.removed[i]) return;
    const before = this.stock[i];
    this.stock[i] = Math.max(0, Math.trunc(stock));
    this.items[i] = { ...this.items[i]!, stock: this.stock[i] };
    if ((before === 0) !== (this.stock[i] === 0)) this.inStockCache = null;
  }

  available(i: number): boolean {
    return this.stock[i] !== 0;
  }

  /** Indexes of products that are in stock (or whose stock is unknown), ascending. */
  inStock(): Int32Array {
    if (this.inStockCache) return this.inStockCache;
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) if (this.stock[i] !== 0) out.push(i);
    this.inStockCache = Int32Array.from(out);
    return this.inStockCache;
  }

  /** 1 for products in the filter's category (cached per filter string). */
  categoryMask(filter: string): Uint8Array {
    const key = filter.trim().toLowerCase();
    let m = this.categoryMasks.get(key);
    if (m) return m;
    m = new Uint8Array(this.n);
    for (let i = 0; i < this.n; i++) if (matchesCategory(this.items[i]!.category, key)) m[i] = 1;
    if (this.categoryMasks.size > 256) this.categoryMasks.clear();
    this.categoryMasks.set(key, m);
    return m;
  }

  /** Does item i pass the price/category filters? (Unknown prices fail a price filter.) */
  passes(i: number, f: RecommendFilters | undefined, mask: Uint8Array | null): boolean {
    if (!f) return true;
    if (mask && !mask[i]) return false;
    const p = this.price[i]!;
    if (f.maxPrice !== undefined && !(p <= f.maxPrice)) return false;
    if (f.minPrice !== undefined && !(p >= f.minPrice)) return false;
    return true;
  }

  title(i: number): string {
    return this.items[i]?.title ?? '';
  }
}

/** The words of a product the keyword index holds. */
function lexicalText(it: Pick<CatalogItem, 'title' | 'category'>): string {
  return `${it.title} ${it.category ?? ''}`;
}
