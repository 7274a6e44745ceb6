import type { DimensionValue } from '../../src/slots/index.js';

/** A tenant's dimension values, as the warehouse would list them. */
export const tenantValues: DimensionValue[] = [
  ...[
    'EMEA',
    'APAC',
    'North America',
    'LATAM',
    'Europe',
    'Northern Europe',
    'Southern Europe',
    'UK',
    'Île-de-France',
  ].map((value) => ({ dimension: 'region' as const, value })),
  ...['Webshop', 'Retail', 'Wholesale', 'Marketplace'].map((value) => ({
    dimension: 'channel' as const,
    value,
  })),
  ...['Enterprise', 'SMB', 'Mid-Market', 'Consumer'].map((value) => ({
    dimension: 'segment' as const,
    value,
  })),
  ...['Electronics', 'Apparel', 'Home & Garden', 'Sports', 'Beauty'].map((value) => ({
    dimension: 'category' as const,
    value,
  })),
  ...['Trail Runner 2', 'Aero Headphones', 'Desk Lamp Pro', 'Yoga Mat'].map((value) => ({
    dimension: 'product' as const,
    value,
  })),
  ...['Acme Corp', 'Globex', 'Initech', 'Umbrella Retail'].map((value) => ({
    dimension: 'customer' as const,
    value,
  })),
];
