import { mulberry32, shuffle } from '../classifier/prng.js';
import {
  CATEGORIES,
  CHANNELS,
  COMPANY_FORMS,
  COMPANY_TYPES,
  COMPANY_WORDS,
  MODEL_SUFFIXES,
  PRODUCT_LINES,
  REGIONS,
  SEGMENTS,
} from './names.js';

export interface ProductMember {
  id: number;
  name: string;
  categoryId: number;
  /** Cents. */
  listPrice: number;
  /** Cents. */
  unitCost: number;
}

export interface CustomerMember {
  id: number;
  name: string;
  segmentId: number;
  regionId: number;
}

/** The members of a tenant's warehouse dimensions; ids are 1-based positions. */
export interface WarehouseDimensions {
  regions: string[];
  channels: string[];
  segments: string[];
  categories: string[];
  products: ProductMember[];
  customers: CustomerMember[];
}

/** FNV-1a of a string: a stable 32-bit seed from a tenant slug or id. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface DimensionSizes {
  products: number;
  customers: number;
}

/** Sizes that grow with the fact table, so a small seed is not spread over thousands of customers. */
export function sizesFor(rows: number): DimensionSizes {
  return {
    products: Math.min(480, Math.max(60, Math.round(rows / 2000))),
    customers: Math.min(20_000, Math.max(150, Math.round(rows / 50))),
  };
}

/**
 * A tenant's catalogue: a selection of regions, channels, segments and categories, products named
 * after product lines and category nouns, and customers named like companies. Deterministic in the
 * seed.
 */
export function generateDimensions(seed: number, sizes: DimensionSizes): WarehouseDimensions {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const regions = shuffle([...REGIONS], random).slice(0, 8);
  const channels = shuffle([...CHANNELS], random).slice(0, 5);
  const segments = [...SEGMENTS];
  const categoryDefs = shuffle([...CATEGORIES], random).slice(0, 10);

  const products: ProductMember[] = [];
  const productNames = new Set<string>();
  for (let attempt = 0; products.length < sizes.products && attempt < sizes.products * 20; attempt++) {
    const categoryIndex = Math.floor(random() * categoryDefs.length);
    const category = categoryDefs[categoryIndex]!;
    const model = `${pick(PRODUCT_LINES)} ${pick(category.nouns)}${pick(MODEL_SUFFIXES)}`;
    const name = productNames.has(model) ? `${model} ${2 + Math.floor(random() * 8)}` : model;
    if (productNames.has(name)) continue;
    productNames.add(name);
    const [low, high] = category.price;
    const listPrice = Math.round((low + (high - low) * random() ** 1.5) * 100);
    // Gross margins between 18 % and 55 %, the same order as consumer electronics and software.
    const unitCost = Math.round(listPrice * (0.45 + random() * 0.37));
    products.push({ id: products.length + 1, name, categoryId: categoryIndex + 1, listPrice, unitCost });
  }

  const customers: CustomerMember[] = [];
  const customerNames = new Set<string>();
  for (let attempt = 0; customers.length < sizes.customers && attempt < sizes.customers * 20; attempt++) {
    let name = `${pick(COMPANY_WORDS)} ${pick(COMPANY_TYPES)}`;
    if (customerNames.has(name)) name = `${name} ${pick(COMPANY_FORMS)}`;
    if (customerNames.has(name)) name = `${name} ${Math.floor(random() * 90) + 10}`;
    if (customerNames.has(name)) continue;
    customerNames.add(name);
    customers.push({
      id: customers.length + 1,
      name,
      segmentId: 1 + Math.floor(random() ** 1.3 * segments.length),
      // Regions get unequal shares of customers (the first ones in the shuffled order most).
      regionId: 1 + Math.floor(random() ** 1.8 * regions.length),
    });
  }
  return { regions, channels, segments, categories: categoryDefs.map((c) => c.name), products, customers };
}
